import { columnsOf, lineRuns } from '../src/rehearsal/report-downsample';
import {
  clock,
  esc,
  figure,
  niceTicks,
  tickLabel,
  timeTicks,
} from '../src/rehearsal/report-format';

describe("the report's axes and numbers", () => {
  it('when values span 0 to 47, then the ticks are round and cover them', () => {
    expect(niceTicks(0, 47).values).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0, 1.3).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4]);
    expect(niceTicks(-3, 8).values).toEqual([-4, -2, 0, 2, 4, 6, 8]);
    expect(niceTicks(0, 0).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('when ticks are large or fractional, then their labels are short and tell neighbours apart', () => {
    const fans = niceTicks(0, 48_000);
    expect(fans.values.map((v) => tickLabel(v, fans))).toEqual([
      '0',
      '10k',
      '20k',
      '30k',
      '40k',
      '50k',
    ]);
    const rate = niceTicks(0, 4_800);
    expect(rate.values.map((v) => tickLabel(v, rate))).toContain('4,000');
    const cores = niceTicks(0, 1.3);
    expect(cores.values.map((v) => tickLabel(v, cores)).slice(0, 3)).toEqual(['0.0', '0.2', '0.4']);
  });

  it('when time is shown, then it reads as minutes:seconds on round ticks', () => {
    expect(clock(0)).toBe('0:00');
    expect(clock(125)).toBe('2:05');
    expect(clock(3725)).toBe('1:02:05');
    expect(timeTicks(0, 480, 9)).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480]);
    expect(timeTicks(0, 1799, 9)).toEqual([0, 300, 600, 900, 1200, 1500]);
  });

  it('when figures are shown, then they keep about three significant digits', () => {
    expect(figure(0.000123456)).toBe('0.000123');
    expect(figure(4.567)).toBe('4.57');
    expect(figure(12345.6)).toBe('12,346');
    expect(figure(20)).toBe('20');
  });

  it('when text holds markup, then it is escaped', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('when there are more samples than pixels, then each column keeps its lowest and highest', () => {
    const t = Array.from({ length: 1000 }, (_, s) => s);
    const values = t.map((s) => (s === 437 ? 100 : s === 438 ? -5 : 1));
    const [run, ...more] = lineRuns(values, columnsOf(t, 0, 999, 10));
    expect(more).toEqual([]);
    expect(run!.length).toBeLessThanOrEqual(20);
    expect(Math.max(...run!.map((p) => p.v))).toBe(100);
    expect(Math.min(...run!.map((p) => p.v))).toBe(-5);
    // In the order they came: the spike, then the dip.
    const spike = run!.findIndex((p) => p.v === 100);
    expect(run![spike + 1]!.v).toBe(-5);
  });
});
