import type { Knex } from '@ticketing/platform';

/** Counts the changes of a schedule's seats: followers of its availability keep the highest. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table schedules add column seats_revision integer not null default 0`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table schedules drop column seats_revision`);
}
