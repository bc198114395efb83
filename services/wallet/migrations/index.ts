import type { Migration } from '@ticketing/platform';
import * as wallet from './0001_wallet';

/** The wallet service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_wallet': wallet,
};
