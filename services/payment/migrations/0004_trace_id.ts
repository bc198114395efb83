import type { Knex } from '@ticketing/platform';

/** The trace a payment began in (ADR 0011): its saga view links to it. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table payments add column trace_id text');
}
