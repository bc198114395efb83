import type { Knex } from '@ticketing/platform';
import { createInboxTable, createOutboxTable } from '@ticketing/messaging';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table wallets (
      user_id uuid primary key,
      balance bigint not null default 0 check (balance >= 0), -- never negative, whatever the code does
      updated_at timestamptz not null default now()
    );
    -- The truth: every change is a row, with the balance it left.
    create table ledger (
      seq bigserial unique,
      id uuid primary key,
      user_id uuid not null references wallets (user_id),
      type text not null check (type in ('CHARGE','DEBIT','REFUND')),
      amount bigint not null check (amount > 0),
      balance_after bigint not null check (balance_after >= 0),
      payment_id uuid,
      created_at timestamptz not null default now()
    );
    create index ledger_by_user on ledger (user_id, seq desc);
    -- One debit per payment, and what became of it.
    create table debits (
      payment_id uuid primary key,
      user_id uuid not null,
      amount bigint not null check (amount >= 0),
      status text not null check (status in ('APPLIED','REFUNDED','REJECTED','BLOCKED')),
      transaction_id uuid,
      refund_transaction_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create table idempotency_keys (
      user_id uuid not null,
      key text not null,
      request_hash text not null,
      status text not null check (status in ('IN_PROGRESS','DONE')),
      response_status int,
      response_body jsonb,
      created_at timestamptz not null default now(),
      primary key (user_id, key)
    );
    create index idempotency_keys_age on idempotency_keys (created_at);
  `);
  await createOutboxTable(knex);
  await createInboxTable(knex);
}
