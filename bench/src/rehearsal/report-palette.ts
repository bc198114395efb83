/**
 * Colours of the report's series. Okabe and Ito's palette (told apart with the common colour
 * vision deficiencies), its yellow left out for a darker olive that shows on white, and three
 * of Paul Tol's for charts with more lines; past those, the colours come again with a dash, so
 * two lines never look alike.
 */
const COLOURS = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#332288', // indigo
  '#999933', // olive
  '#882255', // wine
  '#44AA99', // teal
];

const DASHES = ['', '6 3', '2 2.5', '8 3 2 3'];

export interface Stroke {
  colour: string;
  /** An SVG stroke-dasharray, empty for a solid line. */
  dash: string;
}

export function strokeOf(index: number): Stroke {
  return {
    colour: COLOURS[index % COLOURS.length]!,
    dash: DASHES[Math.floor(index / COLOURS.length) % DASHES.length]!,
  };
}

/** Faults: a neutral grey hatching, unlike any series' colour. */
export const FAULT_INK = '#5b6270';
export const AXIS_INK = '#4a4f59';
export const GRID_INK = '#e3e5e9';
