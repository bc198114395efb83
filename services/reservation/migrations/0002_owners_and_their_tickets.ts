import type { Knex } from '@ticketing/platform';

/**
 * A user id is the identity provider's `sub` (API.md): any string of 1–255 characters. And a
 * fan lists their own reservations, newest first ("my tickets").
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table reservations alter column user_id type text;
    create index reservations_by_owner on reservations (user_id, created_at desc, id desc);
  `);
}
