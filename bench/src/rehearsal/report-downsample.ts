/**
 * A chart's samples reduced to what its pixels can show. Half an hour of per-second samples is
 * four times more points than a chart is wide: each pixel column keeps only the samples that
 * shape what is drawn there, so the page stays small and quick to paint, and a one-second spike
 * still reaches its height.
 */

/** Where each sample falls on a chart `width` pixels wide: its x and its pixel column. */
export interface Columns {
  width: number;
  xs: Float64Array;
  cols: Int32Array;
  /** Sample index ranges [start, end) sharing a column, in order, with their mean x. */
  buckets: { start: number; end: number; x: number }[];
}

export function columnsOf(t: readonly number[], from: number, to: number, width: number): Columns {
  const span = to > from ? to - from : 1;
  const xs = new Float64Array(t.length);
  const cols = new Int32Array(t.length);
  const buckets: Columns['buckets'] = [];
  for (let i = 0; i < t.length; i++) {
    const x = ((t[i]! - from) / span) * width;
    xs[i] = x;
    cols[i] = Math.min(width - 1, Math.max(0, Math.floor(x)));
    const last = buckets[buckets.length - 1];
    if (last && cols[last.start] === cols[i]) {
      last.end = i + 1;
      last.x += x;
    } else buckets.push({ start: i, end: i + 1, x });
  }
  for (const b of buckets) b.x /= b.end - b.start;
  return { width, xs, cols, buckets };
}

export interface Point {
  x: number;
  v: number;
}

const present = (v: number | null | undefined): v is number => v != null && Number.isFinite(v);

/**
 * A line's unbroken runs (a missing sample breaks the line: nothing was measured there). In each
 * pixel column a run keeps its lowest and highest sample, in the order they came: the column's
 * vertical stroke spans every sample in it, so spikes keep their height, at two points a column.
 */
export function lineRuns(values: readonly (number | null)[], columns: Columns): Point[][] {
  const runs: Point[][] = [];
  let run: Point[] | undefined;
  let col = -1;
  let low = -1;
  let high = -1;
  const flush = () => {
    if (!run || low < 0) return;
    const [a, b] = low < high ? [low, high] : [high, low];
    run.push({ x: columns.xs[a]!, v: values[a]! });
    if (b !== a) run.push({ x: columns.xs[b]!, v: values[b]! });
    low = -1;
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!present(v)) {
      flush();
      run = undefined;
      col = -1;
      continue;
    }
    if (!run) runs.push((run = []));
    if (columns.cols[i] !== col) {
      flush();
      col = columns.cols[i]!;
      low = high = i;
      continue;
    }
    if (v < values[low]!) low = i;
    if (v > values[high]!) high = i;
  }
  flush();
  return runs;
}

/**
 * A series' mean over each bucket of `columns` (null where the bucket has no sample of it): what
 * a stacked area draws, whose layers must share their x positions to stack.
 */
export function bucketMeans(
  values: readonly (number | null)[],
  columns: Columns,
): (number | null)[] {
  return columns.buckets.map(({ start, end }) => {
    let sum = 0;
    let n = 0;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (present(v)) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : null;
  });
}

/** The lowest and highest value of some series (0 and 0 when there is none). */
export function extent(series: readonly (readonly (number | null)[])[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const values of series)
    for (const v of values) {
      if (!present(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  return lo <= hi ? [lo, hi] : [0, 0];
}
