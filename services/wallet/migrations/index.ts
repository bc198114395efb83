import type { Migration } from '@ticketing/platform';
import * as wallet from './0001_wallet';
import * as userIds from './0002_user_ids_are_subjects';
import * as slimOutbox from './0003_slim_outbox';
import * as retention from './0004_retention';
import * as cursorKey from './0005_cursor_key';
import * as quietOutboxNotify from './0006_quiet_outbox_notify';

/** The wallet service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_wallet': wallet,
  '0002_user_ids_are_subjects': userIds,
  '0003_slim_outbox': slimOutbox,
  '0004_retention': retention,
  '0005_cursor_key': cursorKey,
  '0006_quiet_outbox_notify': quietOutboxNotify,
};
