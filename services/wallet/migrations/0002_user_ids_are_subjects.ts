import type { Knex } from '@ticketing/platform';

/** A user id is the identity provider's `sub` (API.md): any string of 1–255 characters. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table ledger drop constraint ledger_user_id_fkey;
    alter table wallets alter column user_id type text;
    alter table ledger alter column user_id type text;
    alter table debits alter column user_id type text;
    alter table idempotency_keys alter column user_id type text;
    alter table ledger add constraint ledger_user_id_fkey foreign key (user_id) references wallets (user_id);
  `);
}
