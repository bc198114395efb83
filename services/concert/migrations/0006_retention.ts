import { indexInboxByAge } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';

/** Indexes for the retention tasks (docs/operations.md, "Retention"): the inbox by age. */
export async function up(knex: Knex): Promise<void> {
  await indexInboxByAge(knex);
}
