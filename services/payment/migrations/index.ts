import type { Migration } from '@ticketing/platform';
import * as payments from './0001_payments';
import * as payers from './0002_payers_and_lookups';
import * as slimOutbox from './0003_slim_outbox';
import * as traceId from './0004_trace_id';
import * as retention from './0005_retention';
import * as quietOutboxNotify from './0006_quiet_outbox_notify';

/** The payment service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_payments': payments,
  '0002_payers_and_lookups': payers,
  '0003_slim_outbox': slimOutbox,
  '0004_trace_id': traceId,
  '0005_retention': retention,
  '0006_quiet_outbox_notify': quietOutboxNotify,
};
