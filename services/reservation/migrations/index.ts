import type { Migration } from '@ticketing/platform';
import * as reservations from './0001_reservations';

/** The reservation service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_reservations': reservations,
};
