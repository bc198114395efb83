import { slimOutboxTable } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';

/** The outbox as the relay reads it: text envelopes, the primary key its only index. */
export async function up(knex: Knex): Promise<void> {
  await slimOutboxTable(knex);
}
