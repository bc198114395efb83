import { notifyOutboxRows } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';

/** The outbox trigger's NOTIFY carries the row: the relay publishes without reading (ADR 0038). */
export async function up(knex: Knex): Promise<void> {
  await notifyOutboxRows(knex);
}
