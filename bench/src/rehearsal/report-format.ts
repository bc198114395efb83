/**
 * Text and numbers as the rehearsal's HTML report shows them: escaped (process labels and fault
 * names end up in markup), compact, and the same on every machine (no locale of the host's).
 */

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an element's content or a quoted attribute. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A count with thousands separators: 50,000. */
export function count(n: number): string {
  return GROUPED.format(n);
}

/** A figure to about three significant digits, grouped when large: 0.0123, 4.56, 789, 12,345. */
export function figure(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 100 || abs === 0) return count(n);
  const decimals = Math.min(6, 2 - Math.floor(Math.log10(abs)));
  return n
    .toFixed(decimals)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** Seconds as minutes:seconds (3:07), hours when there are any (1:02:07). */
export function clock(seconds: number): string {
  const sign = seconds < 0 ? '−' : '';
  const s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
}

/** A duration in words a reader takes in at once: 45 s, 3 min 52 s. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/** A latency: milliseconds below a second, seconds above (20 s reads faster than 20,022 ms). */
export function millis(ms: number): string {
  return ms < 1000 ? `${figure(ms)} ms` : `${figure(ms / 1000)} s`;
}

/**
 * A step between ticks that reads well: 1, 2 or 5 times a power of ten, the nearest to `rough`
 * on a log scale (the cut-offs are the geometric means of neighbouring steps).
 */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const scaled = rough / power;
  return (
    (scaled < Math.SQRT2 ? 1 : scaled < Math.sqrt(10) ? 2 : scaled < Math.sqrt(50) ? 5 : 10) * power
  );
}

export interface Ticks {
  /** The axis's extent: the outer ticks, so the data never touches the frame's edge unlabelled. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

/** About `target` round ticks covering [lo, hi]; zero always on the axis when the data is ≥ 0. */
export function niceTicks(lo: number, hi: number, target = 5): Ticks {
  let min = Math.min(0, lo);
  let max = hi;
  if (!(max > min)) max = min + 1;
  const step = niceStep((max - min) / target);
  min = Math.floor(min / step + 1e-9) * step;
  max = Math.ceil(max / step - 1e-9) * step;
  // Whole multiples of the step, divided rather than multiplied below 1 (3 × 0.2 is not 0.6).
  const at = (i: number) => (step >= 1 ? i * step : i / Math.round(1 / step));
  const values: number[] = [];
  for (let i = Math.round(min / step); i <= Math.round(max / step); i++) values.push(at(i) || 0);
  return { min: values[0]!, max: values[values.length - 1]!, step, values };
}

const SUFFIXES: [number, string][] = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** An axis label: short enough for the margin, precise enough to tell neighbours apart. */
export function tickLabel(value: number, ticks: Ticks): string {
  const largest = Math.max(Math.abs(ticks.min), Math.abs(ticks.max));
  const [divisor, suffix] = SUFFIXES.find(([d]) => largest >= 10 * d) ?? [1, ''];
  const decimals = Math.max(0, Math.min(4, Math.ceil(-Math.log10(ticks.step / divisor) - 1e-9)));
  const text = (value / divisor).toFixed(decimals);
  const grouped = divisor === 1 && decimals === 0 ? count(value) : text;
  return `${grouped.replace(/^-/, '−')}${value === 0 ? '' : suffix}`;
}

/** Steps of the time axis, seconds: each a whole number of seconds or minutes a clock shows. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Ticks of the time axis from `from` to `to` seconds, about `target` of them, on round times. */
export function timeTicks(from: number, to: number, target: number): number[] {
  const span = Math.max(1, to - from);
  const step = TIME_STEPS.find((s) => span / s <= target) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * How a chart names a fault: its number in the table of faults (the full name is the band's
 * title). Names of faults a few seconds apart would run into each other above a chart.
 */
export const faultTag = (index: number) => `fault ${index + 1}`;
