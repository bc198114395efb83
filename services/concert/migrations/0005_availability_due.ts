import type { Knex } from '@ticketing/platform';

/**
 * Dates whose seats moved since their availability was last announced. The projection appends a
 * row per moved seat (no unique key: concurrent projections of one date never wait for each
 * other); the announcer takes them all and announces each date once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table availability_due (schedule_id bigint not null)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop table availability_due`);
}
