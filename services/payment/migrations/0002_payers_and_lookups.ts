import type { Knex } from '@ticketing/platform';

/**
 * A user id is the identity provider's `sub` (API.md): any string of 1–255 characters. And a
 * payer finds their payments of a reservation (a lost POST /payments answer).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table payments alter column user_id type text;
    create index payments_by_reservation on payments (reservation_id, created_at desc);
  `);
}
