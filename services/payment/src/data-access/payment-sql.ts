/**
 * The SQL a payment is stored with: its columns, the statement parts of a saga's writes (its
 * state, its timeline lines) and the unique rules that refuse a second payment.
 */
import { rowRevision } from '@ticketing/platform';
import type { FailureCode, Payment, PaymentStatus, Saga, SagaState } from '../domain/payment';
import type { NewSagaStep, PaymentConflict, StoredPayment } from '../domain/repositories';

export const COLUMNS = {
  paymentId: 'id',
  reservationId: 'reservation_id',
  userId: 'user_id',
  tokenId: 'token_id',
  concertId: 'concert_id',
  amount: 'amount',
  status: 'status',
  failureCode: 'failure_code',
  state: 'saga_state',
  pendingFailure: 'pending_failure',
  deadlineAt: 'deadline_at',
  idempotencyKey: 'idempotency_key',
  requestHash: 'request_hash',
  createdAt: 'created_at',
  completedAt: 'completed_at',
  traceId: 'trace_id',
};

/** The same columns for the statements written as SQL (the hot paths). */
export const SELECT_COLUMNS = Object.entries(COLUMNS)
  .map(([field, column]) => `${column} as "${field}"`)
  .join(', ');

export const REVISION = rowRevision();

/** The columns and the row's revision. */
export const STORED_COLUMNS = `${SELECT_COLUMNS}, ${REVISION} as "revision"`;

export type StoredRow = Payment & { revision: string };

export function stored({ revision, ...payment }: StoredRow): StoredPayment {
  return { payment, revision };
}

/**
 * The timeline lines of a saga, appended in the order given, as one statement text; with
 * `after`, only if the CTE of that name has a row (the write they describe took place).
 */
export const stepsInsert = (
  after?: string,
) => `insert into saga_steps (payment_id, step, status, message_id, note)
  select $1, s.step, s.status, s.message_id, s.note
  from unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
    with ordinality as s (step, status, message_id, note, n)
  ${after ? `where exists (select 1 from ${after})` : ''}
  order by s.n`;
export const STEPS_INSERT = stepsInsert();

/**
 * What a saga write sets, as `sagaParams` numbers them: the state ($6 – $10) and when it ended.
 * The deadline ($11) is each statement's own.
 */
export const SAGA_SET = `amount = $6, status = $7, failure_code = $8, saga_state = $9,
  pending_failure = $10,
  completed_at = case when $7 = 'PENDING' then null else coalesce(completed_at, now()) end,
  updated_at = now()`;

/** The payment id ($1), its timeline lines ($2 – $5) and its state ($6 – $10). */
export const sagaParams = (saga: Saga, steps: NewSagaStep[]): unknown[] => [
  saga.paymentId,
  ...stepArrays(steps),
  saga.amount,
  saga.status satisfies PaymentStatus,
  saga.failureCode satisfies FailureCode | null,
  saga.state satisfies SagaState,
  saga.pendingFailure,
];

export const stepArrays = (steps: NewSagaStep[]) => [
  steps.map((s) => s.step),
  steps.map((s) => s.status),
  steps.map((s) => s.messageId),
  steps.map((s) => s.note),
];

/** Which unique rule a failed insert broke (Postgres names the constraint). */
export function paymentConflictOf(err: unknown): PaymentConflict | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return undefined;
  if (e.constraint === 'payments_one_per_reservation') return 'RESERVATION';
  if (e.constraint === 'payments_idempotency') return 'IDEMPOTENCY_KEY';
  return undefined;
}
