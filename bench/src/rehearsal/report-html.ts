import type { RehearsalReport } from './model';
import { chartFigure } from './report-chart';
import { count, esc } from './report-format';
import { embeddedData, HOVER_SCRIPT } from './report-hover';
import { STYLE } from './report-style';
import {
  answerTable,
  checks,
  costTable,
  faultTable,
  figures,
  heading,
  slopeTable,
  stepTable,
} from './report-summary';

/**
 * A rehearsal's report as one HTML page: the summary first (what a reader came for), then a
 * chart per timeline group with every fault marked. Self-contained (inline style, inline SVG,
 * the data inline as JSON, nothing fetched): it opens from a CI artifact, a ticket or a laptop
 * offline, and prints. Everything is drawn here; the page's one script only adds a hover
 * read-out of values.
 */
export function renderReport(report: RehearsalReport): string {
  const { meta, summary, timeline } = report;
  const title = `Rehearsal: ${count(meta.fans)} fans for ${count(meta.seats)} seats (${meta.shape})`;
  const moments = [{ name: 'opening', atS: meta.opensAtS }];
  if (summary.sellOutS !== undefined)
    moments.push({ name: 'sold out', atS: meta.opensAtS + summary.sellOutS });
  const charts = timeline.groups.map((group, index) =>
    chartFigure(group, {
      id: `chart-${index + 1}`,
      index,
      t: timeline.t,
      faults: report.faults,
      moments,
    }),
  );
  const faultNote =
    report.faults.length > 0
      ? ` Faults are hatched <span class="swatch" aria-hidden="true"></span> from injection to recovery.`
      : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style></head><body><main>`,
    heading(meta),
    figures(report),
    `<div class="summary">${checks(summary.checks)}${faultTable(report)}</div>`,
    `<div class="tables">${costTable(summary)}${stepTable(summary)}${answerTable(summary)}${slopeTable(summary)}</div>`,
    `<section aria-labelledby="timeline"><h2 class="charts-title" id="timeline">Second by second</h2>`,
    `<p class="charts-note">Time in minutes:seconds from the start; dashed lines mark the opening of sales and the last seat sold.${faultNote} Hover a chart for its values.</p>`,
    `<div class="charts">${charts.join('')}</div></section>`,
    `<footer>Rehearsal report, schema version ${report.version}; recorded ${esc(meta.startedAt)} on commit ${esc(meta.commit)}.</footer>`,
    '</main>',
    embeddedData(report),
    `<script>${HOVER_SCRIPT}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
