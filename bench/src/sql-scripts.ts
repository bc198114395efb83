/**
 * pgbench scripts of the services' hot SQL: the statements the code runs for a request, in the
 * same order and transactions, against the services' own (migrated) schema. They mirror
 * ReservationRepository (holdPrecheck, releaseOverdueHolds, insertHold), WalletRepository
 * (charge, credit, debit, record) and the inbox/outbox of @ticketing/messaging; where a statement
 * depends on a value read before (an id, a balance) the script uses a stand-in, so each figure is
 * the database's best case for the work one request does.
 */

/**
 * A uuid from a pgbench integer variable. Lookups need it: `gen_random_uuid()` in a WHERE clause
 * is volatile, so Postgres would evaluate it per row and scan the table instead of its index.
 */
const uuidOf = (n: string) => `lpad(to_hex(${n}), 32, '0')::uuid`;
/** A user id (the identity's `sub`, text) from a pgbench integer variable. */
const userIdOf = (n: string) => `lpad(to_hex(${n}), 32, '0')`;
/** A pgbench variable `:name` holding a random integer that stands for a fresh uuid. */
const randomId = (name: string) => `\\set ${name} random(1, 2000000000)`;

/** An envelope of the size the services publish (~400 bytes of JSON). */
const ENVELOPE = JSON.stringify({
  id: '2b7e0c33-6a5c-4f7e-9a55-0c6f1b1b7c11',
  type: 'bench.event',
  source: 'bench',
  time: '2026-11-22T12:00:00.000Z',
  correlationId: '5d0b8f0e-8c58-4a8e-9a3e-7b6f5c1d2e3f',
  causationId: '5d0b8f0e-8c58-4a8e-9a3e-7b6f5c1d2e3f',
  data: {
    userId: '6f1c1c4e-8a7e-4d0b-9a55-1c1f1b7b0c11',
    paymentId: '0c9b7e4f-3f6b-4f7a-8f3e-2a1b0c9d8e7f',
    amount: 99000,
    balance: 1000000,
  },
});

const enqueue = (topic: string, type: string, key: string) =>
  `insert into outbox (message_id, topic, key, type, envelope, headers)
   values (gen_random_uuid(), '${topic}', ${key}, '${type}', '${ENVELOPE}', '{}');`;

/** The storm's common case: the lock-free read that finds the seat taken (one per request). */
export const holdPrecheckScript = (scheduleId: number) => `\\set seat random(1, 50)
${randomId('user')}
select s.id, s.concert_id, s.starts_at, s.booking_opens_at, s.booking_closes_at, s.status, s.price, now(),
  taken.status is not null, case when taken.status = 'HELD' then taken.held_until end,
  exists(select 1 from reservations r where r.user_id = ${userIdOf(':user')} and r.status = 'HELD' and r.held_until > now())
from schedules s
left join lateral (
  select r.status, r.held_until from reservations r where r.schedule_id = s.id and r.seat_no = :seat
    and (r.status = 'CONFIRMED' or (r.status = 'HELD' and r.held_until > now()))
  limit 1) taken on true
where s.id = ${scheduleId};
`;

/**
 * A winning hold: release what blocks the seat, insert the hold, read it back, enqueue
 * reservation.held, commit. Each pgbench client books its own schedule (no conflicts between
 * clients), and its holds are inserted already over, so the next one on the seat releases it.
 */
export const holdTransactionScript = (firstScheduleId: number) => `\\set seat random(1, 50)
\\set schedule ${firstScheduleId} + :client_id
${randomId('user')}
begin;
with due as (select id from reservations where status = 'HELD' and held_until <= now()
    and ((schedule_id = :schedule and seat_no = :seat) or user_id = ${userIdOf(':user')})
    order by held_until limit 200 for update skip locked)
  update reservations r set status = 'RELEASED', release_reason = 'EXPIRED', updated_at = now(),
    seat_version = nextval('seat_version_seq')
  from due where r.id = due.id and r.status = 'HELD' returning r.id;
with held as (
  insert into reservations (id, user_id, schedule_id, seat_no, price, status, held_until, seat_version)
  values (gen_random_uuid(), ${userIdOf(':user')}, :schedule, :seat, 99000, 'HELD', now() - interval '1 millisecond', nextval('seat_version_seq'))
  returning *)
select held.*, s.concert_id from held join schedules s on s.id = held.schedule_id;
${enqueue('reservation.events', 'reservation.held', ':schedule::text')}
commit;
`;

/**
 * POST /wallets/{userId}/charges: one statement (no transaction around it) that credits the
 * wallet (creating it), writes the ledger row and enqueues wallet.charged with the balance after.
 */
export const chargeScript = (wallets: number) => `\\set u random(1, ${wallets})
\\set amount random(1, 1000)
with credited as (
  insert into wallets as w (user_id, balance) values (${userIdOf(':u')}, :amount)
  on conflict (user_id) do update set balance = w.balance + excluded.balance, updated_at = now()
  where null::bigint is null or w.balance + excluded.balance <= null::bigint
  returning balance),
entry as (
  insert into ledger (id, user_id, type, amount, balance_after)
  select gen_random_uuid(), ${userIdOf(':u')}, 'CHARGE', :amount, balance from credited),
outbox as (
  insert into outbox (message_id, topic, key, type, envelope, headers)
  select gen_random_uuid(), 'wallet.events', :u::text, 'wallet.charged',
    jsonb_set('${ENVELOPE}'::jsonb, '{data,balance}', to_jsonb(balance))::text, '{}' from credited)
select balance from credited;
`;

/**
 * The saga's wallet.debit: inbox claim, the payment's debit (none yet), the conditional update,
 * ledger and debit rows, the balance for the reply, wallet.debited. Run after charges, so the
 * wallets exist and hold far more than the 1 KRW taken.
 */
export const debitScript = (wallets: number) => `\\set u random(1, ${wallets})
${randomId('payment')}
begin;
insert into inbox (consumer, message_id, type) values ('wallet', gen_random_uuid(), 'wallet.debit')
  on conflict (consumer, message_id) do nothing returning message_id;
select payment_id from debits where payment_id = ${uuidOf(':payment')} for update;
update wallets set balance = balance - 1, updated_at = now()
  where user_id = ${userIdOf(':u')} and balance >= 1 returning balance;
insert into ledger (id, user_id, type, amount, balance_after, payment_id)
  values (gen_random_uuid(), ${userIdOf(':u')}, 'DEBIT', 1, 0, ${uuidOf(':payment')});
insert into debits (payment_id, user_id, amount, status, transaction_id, refund_transaction_id)
  values (${uuidOf(':payment')}, ${userIdOf(':u')}, 1, 'APPLIED', gen_random_uuid(), null);
select balance from wallets where user_id = ${userIdOf(':u')};
${enqueue('wallet.events', 'wallet.debited', ':u::text')}
commit;
`;
