import type { Migration } from '@ticketing/platform';
import * as lines from './0001_lines';
import * as lineRebuilds from './0002_line_rebuilds';

/** The queue service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_lines': lines,
  '0002_line_rebuilds': lineRebuilds,
};
