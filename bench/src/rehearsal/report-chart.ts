import type { FaultMark, SeriesGroup } from './model';
import { columnsOf } from './report-downsample';
import { clock, esc, faultTag, niceTicks, tickLabel, timeTicks, type Ticks } from './report-format';
import { FAULT_INK, GRID_INK, strokeOf } from './report-palette';
import { lines, stackedAreas, type Plot } from './report-series';

/** The chart's box in its own coordinates (the page scales it to its column's width). */
const WIDTH = 560;
const HEIGHT = 262;
const MARGIN = { left: 50, right: 12, top: 42, bottom: 26 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Rows of the strip above the plot where faults are named. */
const LABEL_ROWS = [10, 21, 32];
/**
 * About how wide the labels' bold 10-unit font sets a character (a little over, in doubt): faults
 * close together then take the next row rather than run into each other.
 */
const CHAR_W = 6.3;

export interface ChartContext {
  /** A prefix for the ids this chart's elements need, unique on the page. */
  id: string;
  /** The group's place in the timeline (the hover read-out finds its values by it). */
  index: number;
  t: readonly number[];
  faults: readonly FaultMark[];
  /** Moments marked on every chart as dashed lines: the opening of sales, the last seat sold. */
  moments: readonly { name: string; atS: number }[];
}

/** One timeline group as a figure: its title, an SVG chart with axes and faults, its legend. */
export function chartFigure(group: SeriesGroup, ctx: ChartContext): string {
  const names = Object.keys(group.series);
  const series = names.map((n) => group.series[n]!);
  const from = ctx.t[0] ?? 0;
  const to = ctx.t[ctx.t.length - 1] ?? from + 1;
  const columns = columnsOf(ctx.t, from, to > from ? to : from + 1, PLOT_W);
  const drawn = group.stacked ? stackedAreas(series, columns) : lines(series);
  const ticks = niceTicks(drawn.lo, drawn.hi);
  const x = (s: number) => MARGIN.left + ((s - from) / Math.max(1, to - from)) * PLOT_W;
  const plot: Plot = {
    left: MARGIN.left,
    columns,
    y: (v) => MARGIN.top + PLOT_H - ((v - ticks.min) / (ticks.max - ticks.min)) * PLOT_H,
  };
  const titleId = `${ctx.id}-title`;
  const descId = `${ctx.id}-desc`;
  const body = [
    `<title id="${titleId}">${esc(group.title)} (${esc(group.unit)})</title>`,
    `<desc id="${descId}">${esc(describe(group, names, ticks, from, to, ctx.faults))}</desc>`,
    yAxis(ticks, plot),
    xAxis(from, to, x),
    // Bands under lines keep the lines crisp; over areas, or the areas would hide them.
    group.stacked ? '' : marks(ctx, x, from, to),
    `<g class="${group.stacked ? 'areas' : 'lines'}">${drawn.paint(plot)}</g>`,
    group.stacked ? marks(ctx, x, from, to) : '',
    `<line class="cursor" x1="0" x2="0" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}"/>`,
    `<rect class="frame" x="${MARGIN.left}" y="${MARGIN.top}" width="${PLOT_W}" height="${PLOT_H}"/>`,
    names.length === 0 ? noData() : '',
  ].join('');
  const hover = `data-left="${MARGIN.left}" data-width="${PLOT_W}" data-from="${from}" data-to="${to}"`;
  return [
    `<figure class="chart" id="${ctx.id}" data-group="${ctx.index}">`,
    `<figcaption><h3>${esc(group.title)}</h3><span class="unit">${esc(group.unit)}</span></figcaption>`,
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" ${hover}>${body}</svg>`,
    legend(names, group.stacked === true),
    `<div class="tip" hidden></div></figure>`,
  ].join('');
}

function describe(
  group: SeriesGroup,
  names: string[],
  ticks: Ticks,
  from: number,
  to: number,
  faults: readonly FaultMark[],
): string {
  const kind = group.stacked ? 'Stacked areas' : 'Lines';
  const times = faults.map((f) => `${f.name} from ${clock(f.atS)} to ${clock(f.endS)}`);
  return [
    `${kind} of ${names.length === 0 ? 'no series' : names.join(', ')}`,
    ` over ${clock(from)} to ${clock(to)} (minutes:seconds),`,
    ` ${tickLabel(ticks.min, ticks)} to ${tickLabel(ticks.max, ticks)} ${group.unit}.`,
    times.length > 0 ? ` Faults: ${times.join('; ')}.` : '',
  ].join('');
}

function yAxis(ticks: Ticks, plot: Plot): string {
  return `<g class="y axis">${ticks.values
    .map((v) => {
      const y = Math.round(plot.y(v)) + 0.5;
      const grid = `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y}" y2="${y}" stroke="${GRID_INK}"/>`;
      return `${grid}<text x="${MARGIN.left - 6}" y="${y + 3.5}" text-anchor="end">${tickLabel(v, ticks)}</text>`;
    })
    .join('')}</g>`;
}

function xAxis(from: number, to: number, x: (s: number) => number): string {
  const bottom = MARGIN.top + PLOT_H;
  const ticks = timeTicks(from, to, PLOT_W / 52);
  return `<g class="x axis">${ticks
    .map((s) => {
      const px = Math.round(x(s)) + 0.5;
      const grid = `<line x1="${px}" x2="${px}" y1="${MARGIN.top}" y2="${bottom + 4}" stroke="${GRID_INK}"/>`;
      return `${grid}<text x="${px}" y="${bottom + 15}" text-anchor="middle">${clock(s)}</text>`;
    })
    .join('')}</g>`;
}

interface Label {
  x: number;
  text: string;
  /** A fault's name is set bold; a moment's (the opening, the sell-out) plain. */
  fault: boolean;
}

/**
 * Each fault as a hatched band over the plot from its start to its end, each moment as a dashed
 * line, all named in the strip above the plot: each name takes the first row with room for it.
 */
function marks(ctx: ChartContext, x: (s: number) => number, from: number, to: number): string {
  const bottom = MARGIN.top + PLOT_H;
  const clamp = (s: number) => x(Math.min(to, Math.max(from, s)));
  const shapes: string[] = [];
  const labels: Label[] = [];
  for (const moment of ctx.moments) {
    if (moment.atS < from || moment.atS > to) continue;
    const px = r1(x(moment.atS));
    shapes.push(
      `<line class="moment" x1="${px}" x2="${px}" y1="${MARGIN.top - 6}" y2="${bottom}"/>`,
    );
    labels.push({ x: px, text: moment.name, fault: false });
  }
  const hatch = `${ctx.id}-hatch`;
  shapes.unshift(
    `<defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
      `<line x1="0" y1="0" x2="0" y2="6" stroke="${FAULT_INK}" stroke-width="1.2" stroke-opacity="0.35"/></pattern></defs>`,
  );
  for (const [index, fault] of ctx.faults.entries()) {
    if (fault.endS < from || fault.atS > to) continue;
    const left = r1(clamp(fault.atS));
    const width = r1(Math.max(1.5, clamp(fault.endS) - left));
    shapes.push(
      `<g class="fault"><title>${esc(fault.name)}: ${clock(fault.atS)}–${clock(fault.endS)}</title>` +
        `<rect x="${left}" y="${MARGIN.top}" width="${width}" height="${PLOT_H}" fill="url(#${hatch})"/>` +
        `<rect class="fault-band" x="${left}" y="${MARGIN.top}" width="${width}" height="${PLOT_H}"/>` +
        `<rect x="${left}" y="${MARGIN.top - 3}" width="${width}" height="3" fill="${FAULT_INK}"/></g>`,
    );
    labels.push({ x: left, text: faultTag(index), fault: true });
  }
  return `<g class="marks">${shapes.join('')}${placeLabels(labels)}</g>`;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** Labels left to right, each on the first row where it does not run into the one before. */
function placeLabels(labels: Label[]): string {
  const ends = LABEL_ROWS.map(() => -Infinity);
  return labels
    .sort((a, b) => a.x - b.x)
    .map(({ x, text, fault }) => {
      const width = text.length * CHAR_W;
      // Near the right edge a label ends at its mark instead of running off the chart.
      const flip = x + 2 + width > WIDTH;
      const start = flip ? x - 2 - width : x;
      let row = ends.findIndex((end) => end + 6 <= start);
      if (row < 0) row = ends.indexOf(Math.min(...ends));
      const tx = flip ? x - 2 : x + 2;
      ends[row] = Math.max(ends[row]!, flip ? x : x + 2 + width);
      const anchor = flip ? ' text-anchor="end"' : '';
      const cls = fault ? 'fault-label' : 'moment-label';
      return `<text class="${cls}" x="${r1(tx)}" y="${LABEL_ROWS[row]}"${anchor}>${esc(text)}</text>`;
    })
    .join('');
}

function noData(): string {
  const cx = MARGIN.left + PLOT_W / 2;
  const cy = MARGIN.top + PLOT_H / 2;
  return `<text class="no-data" x="${cx}" y="${cy}" text-anchor="middle">no series recorded</text>`;
}

function legend(names: string[], stacked: boolean): string {
  const items = names.map((name, i) => {
    const { colour, dash } = strokeOf(i);
    const swatch = stacked
      ? `<rect x="3" y="1" width="14" height="10" rx="2" fill="${colour}"/>`
      : `<line x1="1" y1="6" x2="19" y2="6" stroke="${colour}" stroke-width="2.5"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
    return `<li><svg width="20" height="12" aria-hidden="true">${swatch}</svg>${esc(name)}</li>`;
  });
  return `<ul class="legend">${items.join('')}</ul>`;
}
