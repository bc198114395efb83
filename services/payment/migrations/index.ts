import type { Migration } from '@ticketing/platform';
import * as payments from './0001_payments';

/** The payment service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_payments': payments,
};
