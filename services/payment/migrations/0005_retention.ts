import { indexInboxByAge } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';

/**
 * Indexes for the retention tasks (docs/operations.md, "Retention"): the inbox by age, and the
 * saga timeline's lines by age (an ended saga's timeline goes after its window).
 */
export async function up(knex: Knex): Promise<void> {
  await indexInboxByAge(knex);
  await knex.raw('create index if not exists saga_steps_by_age on saga_steps (at)');
}
