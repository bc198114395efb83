import type { Knex } from '@ticketing/platform';
import { createInboxTable, createOutboxTable } from '@ticketing/messaging';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table payments (
      id uuid primary key,
      reservation_id uuid not null,
      user_id uuid not null,
      token_id uuid not null,
      concert_id int not null,
      amount bigint,
      status text not null check (status in ('PENDING','COMPLETED','FAILED')),
      failure_code text check (failure_code in ('INSUFFICIENT_BALANCE','RESERVATION_EXPIRED','RESERVATION_NOT_HELD','FORBIDDEN','TIMEOUT')),
      saga_state text not null,
      pending_failure text,
      deadline_at timestamptz,
      idempotency_key text,
      request_hash text,
      created_at timestamptz not null default now(),
      completed_at timestamptz,
      updated_at timestamptz not null default now(),
      check ((status = 'FAILED') = (failure_code is not null))
    );
    -- One live (or paid) payment per reservation, whatever races.
    create unique index payments_one_per_reservation on payments (reservation_id) where status in ('PENDING','COMPLETED');
    create unique index payments_idempotency on payments (user_id, idempotency_key) where idempotency_key is not null;
    create index payments_due on payments (deadline_at) where deadline_at is not null;
    create table saga_steps (
      id bigserial primary key,
      payment_id uuid not null references payments (id),
      step text not null,
      status text not null check (status in ('SENT','RECEIVED','IGNORED','TIMEOUT')),
      message_id uuid,
      note text,
      at timestamptz not null default now()
    );
    create index saga_steps_by_payment on saga_steps (payment_id, id);
    -- The transaction that ends a payment tells every instance (Prefer: wait).
    create function payment_ended_notify() returns trigger language plpgsql as $$
    begin
      if new.status <> 'PENDING' and old.status = 'PENDING' then perform pg_notify('payment_ended', new.id::text); end if;
      return null;
    end $$;
    create trigger payment_ended after update of status on payments for each row execute function payment_ended_notify();
  `);
  await createOutboxTable(knex);
  await createInboxTable(knex);
}
