import type { RehearsalReport, SeriesGroup } from '../src/rehearsal/model';
import { renderReport } from '../src/rehearsal/report-html';
import { sampleReport } from '../src/rehearsal/sample-report';

const sample = sampleReport();
const page = renderReport(sample);

/** Each chart's markup, in page order. */
const charts = (html: string) => html.split('<figure class="chart"').slice(1);

/** The sample's meta and summary around a timeline of the test's own. */
function reportOf(t: number[], groups: SeriesGroup[]): RehearsalReport {
  return { ...sample, faults: [], timeline: { t, groups } };
}

/** The `d` of each drawn series (line or area) of the page's only chart. */
const paths = (html: string) =>
  [...html.matchAll(/<path class="(?:line|area)" d="([^"]*)"/g)].map((m) => m[1]!);

describe("a rehearsal's HTML report", () => {
  it('when the sample is rendered, then it is one document that fetches nothing', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.match(/<html\b/g)).toHaveLength(1);
    expect(page.match(/<\/html>/g)).toHaveLength(1);
    expect(page).not.toMatch(/<link\b|<iframe\b|<img\b|@import/i);
    expect(page).not.toMatch(/\b(src|href)\s*=/i);
    expect(page).not.toMatch(/url\((?!#)/);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('when the sample is rendered, then every timeline group has a chart with its series in the legend', () => {
    const drawn = charts(page);
    expect(drawn).toHaveLength(sample.timeline.groups.length);
    sample.timeline.groups.forEach((group, i) => {
      const chart = drawn[i]!;
      expect(chart).toContain(`<h3>${group.title}</h3>`);
      expect(chart).toMatch(
        /<svg [^>]*role="img" aria-labelledby="chart-\d+-title chart-\d+-desc"/,
      );
      for (const name of Object.keys(group.series)) expect(chart).toContain(`</svg>${name}</li>`);
      expect(chart).toContain(group.stacked ? 'class="area"' : 'class="line"');
    });
  });

  it('when faults were injected, then each one is a band on every chart, named by its number in the table of faults', () => {
    expect(sample.faults.length).toBeGreaterThanOrEqual(3);
    for (const chart of charts(page)) {
      expect(chart.match(/<g class="fault">/g)).toHaveLength(sample.faults.length);
      const labels = [...chart.matchAll(/<text class="fault-label"[^>]*>([^<]*)<\/text>/g)];
      expect(labels.map((m) => m[1])).toEqual(sample.faults.map((_, i) => `fault ${i + 1}`));
      for (const fault of sample.faults) expect(chart).toContain(`<title>${fault.name}:`);
    }
    for (const [i, fault] of sample.faults.entries())
      expect(page).toContain(`<th scope="row">fault ${i + 1}: ${fault.name}</th>`);
  });

  it('when the summary is rendered, then its figures, checks and costs are on the page', () => {
    const { summary } = sample;
    expect(summary.ticketsSold).toBe(sample.meta.seats);
    expect(page).toContain('50,000 fans for 2,500 seats');
    expect(page).toContain(`${summary.checks.length} of ${summary.checks.length} held`);
    expect(page.match(/<li class="held"><span class="mark" aria-hidden="true">✔/g)).toHaveLength(
      summary.checks.length,
    );
    for (const cost of summary.costs)
      expect(page).toContain(`<th scope="row">${cost.component}</th>`);
    for (const step of summary.steps) expect(page).toContain(`<th scope="row">${step.step}</th>`);
  });

  it('when a soak recorded slopes, then they are tabled; without a soak, no such table', () => {
    expect(page).not.toContain('Growth after warm-up');
    const slopes = { 'RSS queue-1 (MB)': 0.42, 'Redis memory (MB)': 0.0031 };
    const html = renderReport({ ...sample, summary: { ...sample.summary, slopes } });
    expect(html).toContain('Growth after warm-up');
    expect(html).toContain('<tr><th scope="row">RSS queue-1 (MB)</th><td>0.42</td></tr>');
    expect(html).toContain('<tr><th scope="row">Redis memory (MB)</th><td>0.0031</td></tr>');
  });

  it('when a check did not hold, then it is marked ✘ and named a failure', () => {
    const [first, ...rest] = sample.summary.checks;
    const failed = { ...first!, held: false, detail: '2,499 seats sold, 2,500 debits' };
    const html = renderReport({
      ...sample,
      summary: { ...sample.summary, checks: [failed, ...rest] },
    });
    expect(html).toContain(
      `<li class="failed"><span class="mark" aria-hidden="true">✘</span><span class="sr">failed: </span>`,
    );
    expect(html).toContain('2,499 seats sold, 2,500 debits');
    expect(html).toContain(`${rest.length} of ${rest.length + 1} held`);
  });

  it('when a process or a fault is named with markup, then the name comes out as text', () => {
    const evil = '<script>alert(1)</script>';
    const groups = sample.timeline.groups.map((g, i) =>
      i === 0
        ? { ...g, title: `fans & "friends"`, series: { ...g.series, [`queue-${evil}`]: [1] } }
        : g,
    );
    const html = renderReport({
      ...sample,
      faults: [...sample.faults, { name: `<img src=x onerror=alert(1)>`, atS: 10, endS: 20 }],
      timeline: { ...sample.timeline, groups },
    });
    expect(html).not.toContain(evil);
    expect(html).not.toContain('<img');
    expect(html).toContain('queue-&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<h3>fans &amp; &quot;friends&quot;</h3>');
    // The page's own two scripts (the data and the hover read-out), nothing the names opened.
    expect(html.match(/<script\b/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('when a series has no sample for a while, then its line breaks there', () => {
    const t = Array.from({ length: 12 }, (_, s) => s);
    const values = [1, 2, 3, null, null, 5, 6, null, 8, null, 9, 10];
    const html = renderReport(reportOf(t, [{ title: 'g', unit: 'x', series: { a: values } }]));
    const [d] = paths(html);
    expect(d!.match(/M/g)).toHaveLength(4);
    // The lone sample between two gaps is still drawn, as a dot.
    expect(d).toContain('h0');
  });

  it('when a stacked layer has no sample for a while, then its band breaks there', () => {
    const t = Array.from({ length: 10 }, (_, s) => s);
    const series = {
      below: [5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
      above: [1, 1, 1, null, null, null, 2, 2, 2, 2],
    };
    const html = renderReport(reportOf(t, [{ title: 'g', unit: 'x', stacked: true, series }]));
    const [below, above] = paths(html);
    expect(below!.match(/M/g)).toHaveLength(1);
    expect(above!.match(/M/g)).toHaveLength(2);
  });

  it('when nothing was recorded, then the page still renders, saying so on the chart', () => {
    const html = renderReport(reportOf([], [{ title: 'empty', unit: 'x', series: {} }]));
    expect(html).toContain('no series recorded');
    expect(html).not.toContain('NaN');
  });

  it('when a report covers half an hour, then its lines keep two points a pixel column at most', () => {
    const long = sampleReport({ durationS: 1800 });
    const html = renderReport(long);
    expect(charts(html)).toHaveLength(long.timeline.groups.length);
    expect(html).not.toContain('NaN');
    const points = paths(html).map((d) => d.split(/[ MLZ]/).filter((p) => p.includes(',')).length);
    // 1,800 samples over a plot about 500 pixels wide.
    expect(Math.max(...points)).toBeLessThanOrEqual(2 * 500);
    expect(Math.max(...points)).toBeGreaterThan(400);
  });
});
