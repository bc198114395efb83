import type { payment } from '@ticketing/contracts';
import type { Executor, Knex } from '@ticketing/platform';

/** Where a payment's saga is (services/payment/src/domain/saga.ts moves it along). */
export type SagaState =
  | 'CONFIRMING'
  | 'DEBITING'
  | 'CANCELLING_DEBIT'
  | 'REVERTING'
  | 'EXPIRING_TOKEN'
  | 'DONE'
  | 'ENDED';
export type PaymentStatus = 'PENDING' | 'COMPLETED' | 'FAILED';
export type FailureCode = (typeof payment.FAILURE_CODES)[number];

/** A payment's saga as stored: one row, updated in place. */
export interface Saga {
  paymentId: string;
  reservationId: string;
  userId: string;
  tokenId: string;
  concertId: number;
  amount: number | null;
  status: PaymentStatus;
  failureCode: FailureCode | null;
  state: SagaState;
  /** The failure to declare once the compensation in progress is acknowledged. */
  pendingFailure: FailureCode | null;
  deadlineAt: Date | null;
}

export interface Payment extends Saga {
  createdAt: Date;
  completedAt: Date | null;
  idempotencyKey: string | null;
  requestHash: string | null;
}

export interface SagaStep {
  step: string;
  status: 'SENT' | 'RECEIVED' | 'IGNORED' | 'TIMEOUT';
  messageId: string | null;
  note: string | null;
  at: Date;
}

const COLUMNS = {
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
};

/** Which unique rule a failed insert broke. */
export function paymentConflictOf(err: unknown): 'RESERVATION' | 'IDEMPOTENCY_KEY' | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return undefined;
  if (e.constraint === 'payments_one_per_reservation') return 'RESERVATION';
  if (e.constraint === 'payments_idempotency') return 'IDEMPOTENCY_KEY';
  return undefined;
}

export class PaymentRepository {
  private readonly db: Knex | Knex.Transaction;

  constructor(executor: Executor) {
    this.db = executor.knex;
  }

  /**
   * A new payment and the first lines of its timeline, in one statement; its deadline is the
   * database's clock plus `stepTimeoutMs` (every deadline is measured on that clock).
   */
  async insert(
    saga: Saga,
    extra: { idempotencyKey: string | null; requestHash: string | null; stepTimeoutMs: number },
    steps: Omit<SagaStep, 'at'>[],
  ): Promise<Payment> {
    const [row] = (await this.db('payments')
      .with('steps', this.db('saga_steps').insert(stepRows(saga.paymentId, steps)))
      .insert({
        id: saga.paymentId,
        reservation_id: saga.reservationId,
        user_id: saga.userId,
        token_id: saga.tokenId,
        concert_id: saga.concertId,
        amount: saga.amount,
        status: saga.status,
        failure_code: saga.failureCode,
        saga_state: saga.state,
        pending_failure: saga.pendingFailure,
        deadline_at: this.db.raw('now() + make_interval(secs => ?)', [extra.stepTimeoutMs / 1000]),
        idempotency_key: extra.idempotencyKey,
        request_hash: extra.requestHash,
      })
      .returning(COLUMNS as never)) as Payment[];
    return row!;
  }

  async find(paymentId: string, lock = false): Promise<Payment | undefined> {
    const q = this.db('payments').where({ id: paymentId }).first(COLUMNS);
    return (lock ? q.forUpdate() : q) as Promise<Payment | undefined>;
  }

  findByIdempotencyKey(userId: string, key: string): Promise<Payment | undefined> {
    return this.db('payments')
      .where({ user_id: userId, idempotency_key: key })
      .first(COLUMNS) as Promise<Payment | undefined>;
  }

  ofReservation(userId: string, reservationId: string): Promise<Payment[]> {
    return this.db('payments')
      .where({ reservation_id: reservationId, user_id: userId })
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(100)
      .select(COLUMNS) as Promise<Payment[]>;
  }

  findLiveForReservation(reservationId: string): Promise<Payment | undefined> {
    return this.db('payments')
      .where({ reservation_id: reservationId })
      .whereIn('status', ['PENDING', 'COMPLETED'])
      .first(COLUMNS) as Promise<Payment | undefined>;
  }

  /** The saga's new state and the lines it adds to its timeline, in one statement. */
  async save(saga: Saga, steps: Omit<SagaStep, 'at'>[]): Promise<void> {
    const update = this.db('payments');
    if (steps.length > 0)
      update.with('steps', this.db('saga_steps').insert(stepRows(saga.paymentId, steps)));
    await update.where({ id: saga.paymentId }).update({
      amount: saga.amount,
      status: saga.status satisfies PaymentStatus,
      failure_code: saga.failureCode satisfies FailureCode | null,
      saga_state: saga.state satisfies SagaState,
      pending_failure: saga.pendingFailure,
      deadline_at: saga.deadlineAt,
      completed_at: saga.status === 'PENDING' ? null : this.db.raw('coalesce(completed_at, now())'),
      updated_at: this.db.fn.now(),
    });
  }

  /** Sagas past their deadline, oldest first (not locked: each is then taken on its own). */
  async dueIds(limit: number): Promise<string[]> {
    const rows = (await this.db('payments')
      .where('deadline_at', '<=', this.db.fn.now())
      .orderBy('deadline_at')
      .limit(limit)
      .select('id')) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * The payment, locked, with the database's clock, if it is still past its deadline and no other
   * sweeper holds it (SKIP LOCKED: several instances sweep without taking the same saga).
   */
  async lockIfDue(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined> {
    const row = (await this.db('payments')
      .where({ id: paymentId })
      .andWhere('deadline_at', '<=', this.db.fn.now())
      .select(COLUMNS)
      .select(this.db.raw('now() as "dbNow"'))
      .forUpdate()
      .skipLocked()
      .first()) as (Payment & { dbNow: Date }) | undefined;
    if (!row) return undefined;
    const { dbNow, ...payment } = row;
    return { payment, now: dbNow };
  }

  /** A saga whose step could not be taken is tried again after `ms`, not at every sweep. */
  async postponeDeadline(paymentId: string, ms: number): Promise<void> {
    await this.db('payments')
      .where({ id: paymentId })
      .update({ deadline_at: this.db.raw(`now() + make_interval(secs => ?)`, [ms / 1000]) });
  }

  /** The payment, locked, with the database's clock (one round trip for both). */
  async lockWithClock(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined> {
    const row = (await this.db('payments')
      .where({ id: paymentId })
      .select(COLUMNS)
      .select(this.db.raw('now() as "dbNow"'))
      .forUpdate()
      .first()) as (Payment & { dbNow: Date }) | undefined;
    if (!row) return undefined;
    const { dbNow, ...payment } = row;
    return { payment, now: dbNow };
  }

  /** Appends steps to the saga's timeline in one statement, in the order given. */
  async addSteps(paymentId: string, steps: Omit<SagaStep, 'at'>[]): Promise<void> {
    if (steps.length === 0) return;
    await this.db('saga_steps').insert(stepRows(paymentId, steps));
  }

  steps(paymentId: string): Promise<SagaStep[]> {
    return this.db('saga_steps')
      .where({ payment_id: paymentId })
      .orderBy('id')
      .select({ step: 'step', status: 'status', messageId: 'message_id', note: 'note', at: 'at' });
  }
}

const stepRows = (paymentId: string, steps: Omit<SagaStep, 'at'>[]) =>
  steps.map((step) => ({
    payment_id: paymentId,
    step: step.step,
    status: step.status,
    message_id: step.messageId,
    note: step.note,
  }));
