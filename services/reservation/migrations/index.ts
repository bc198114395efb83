import type { Migration } from '@ticketing/platform';
import * as reservations from './0001_reservations';
import * as owners from './0002_owners_and_their_tickets';
import * as slimOutbox from './0003_slim_outbox';
import * as retention from './0004_retention';
import * as cursorKey from './0005_cursor_key';
import * as quietOutboxNotify from './0006_quiet_outbox_notify';

/** The reservation service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_reservations': reservations,
  '0002_owners_and_their_tickets': owners,
  '0003_slim_outbox': slimOutbox,
  '0004_retention': retention,
  '0005_cursor_key': cursorKey,
  '0006_quiet_outbox_notify': quietOutboxNotify,
};
