import type { Migration } from '@ticketing/platform';
import * as catalog from './0001_catalog';
import * as seatMapNotifications from './0002_seat_map_notifications';
import * as seatsRevision from './0003_seats_revision';
import * as slimOutbox from './0004_slim_outbox';
import * as availabilityDue from './0005_availability_due';
import * as retention from './0006_retention';
import * as quietOutboxNotify from './0007_quiet_outbox_notify';

/** The concert service's migrations, applied in name order. */
export const migrations: Record<string, Migration> = {
  '0001_catalog': catalog,
  '0002_seat_map_notifications': seatMapNotifications,
  '0003_seats_revision': seatsRevision,
  '0004_slim_outbox': slimOutbox,
  '0005_availability_due': availabilityDue,
  '0006_retention': retention,
  '0007_quiet_outbox_notify': quietOutboxNotify,
};
