import { bucketMeans, extent, lineRuns, type Columns, type Point } from './report-downsample';
import { strokeOf } from './report-palette';

/** Coordinates to a tenth of a pixel: finer than a screen shows, and half the page's size. */
const r = (n: number) => Math.round(n * 10) / 10;

export interface Plot {
  /** The plot area's left edge in the chart's coordinates (the columns' x start there). */
  left: number;
  columns: Columns;
  /** A value's y in the chart's coordinates. */
  y(v: number): number;
}

/** The series a chart draws, reduced to its pixel columns, and the values its y-axis spans. */
export interface Drawn {
  lo: number;
  hi: number;
  paint(plot: Plot): string;
}

function linePath(runs: Point[][], plot: Plot): string {
  const parts: string[] = [];
  for (const run of runs) {
    const [head, ...rest] = run;
    if (!head) continue;
    parts.push(`M${r(plot.left + head.x)},${r(plot.y(head.v))}`);
    // A lone sample between gaps: a dot (round caps draw a zero-length segment as one).
    if (rest.length === 0) parts.push('h0');
    else parts.push(`L${rest.map((p) => `${r(plot.left + p.x)},${r(plot.y(p.v))}`).join(' ')}`);
  }
  return parts.join('');
}

/** One line per series; a missing sample leaves a gap. */
export function lines(series: readonly (readonly (number | null)[])[]): Drawn {
  const [lo, hi] = extent(series);
  return {
    lo,
    hi,
    paint(plot) {
      return series
        .map((values, i) => {
          const d = linePath(lineRuns(values, plot.columns), plot);
          const { colour, dash } = strokeOf(i);
          const dashed = dash ? ` stroke-dasharray="${dash}"` : '';
          return d ? `<path class="line" d="${d}" stroke="${colour}"${dashed}/>` : '';
        })
        .join('');
    },
  };
}

/**
 * Areas stacked in the order given (the first at the bottom), from each pixel column's mean. A
 * layer missing in a column leaves a gap in its band and adds nothing to the layers above.
 */
export function stackedAreas(
  series: readonly (readonly (number | null)[])[],
  columns: Columns,
): Drawn {
  const means = series.map((values) => bucketMeans(values, columns));
  const tops: number[][] = [];
  let below = columns.buckets.map(() => 0);
  for (const layer of means) {
    const top = layer.map((v, b) => below[b]! + (v ?? 0));
    tops.push(top);
    below = top;
  }
  const [lo, hi] = extent([below, columns.buckets.map(() => 0)]);
  return {
    lo,
    hi,
    paint(plot) {
      return means
        .map((layer, k) => {
          const d = bandPath(layer, tops[k]!, k > 0 ? tops[k - 1]! : undefined, plot);
          const { colour } = strokeOf(k);
          return d ? `<path class="area" d="${d}" fill="${colour}"/>` : '';
        })
        .join('');
    },
  };
}

/** A layer's band between its top and the layer below, one closed shape per unbroken run. */
function bandPath(
  layer: (number | null)[],
  top: number[],
  bottom: number[] | undefined,
  plot: Plot,
): string {
  const { buckets } = plot.columns;
  const shapes: string[] = [];
  let start = -1;
  const close = (end: number) => {
    if (start < 0) return;
    const upper: string[] = [];
    const lower: string[] = [];
    for (let b = start; b < end; b++) {
      // A run of one column still gets a pixel's width, so a lone sample shows.
      const xs = end - start === 1 ? [buckets[b]!.x - 0.5, buckets[b]!.x + 0.5] : [buckets[b]!.x];
      for (const x of xs) {
        upper.push(`${r(plot.left + x)},${r(plot.y(top[b]!))}`);
        lower.push(`${r(plot.left + x)},${r(plot.y(bottom?.[b] ?? 0))}`);
      }
    }
    shapes.push(`M${upper.join(' ')} L${lower.reverse().join(' ')}Z`);
    start = -1;
  };
  for (let b = 0; b < layer.length; b++) {
    if (layer[b] == null) close(b);
    else if (start < 0) start = b;
  }
  close(layer.length);
  return shapes.join('');
}
