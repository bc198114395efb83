import { whenCommitted, type Queryable, type Knex } from '@ticketing/platform';
import {
  inboxClaim,
  outboxInsert,
  outboxWriter,
  type InboxRecord,
  type OutgoingMessage,
} from '@ticketing/messaging';
import {
  COLUMNS,
  SELECT_COLUMNS,
  REVISION,
  STORED_COLUMNS,
  stored,
  stepsInsert,
  STEPS_INSERT,
  SAGA_SET,
  sagaParams,
  stepArrays,
  paymentConflictOf,
  type StoredRow,
} from './payment-sql';
import { PaymentDeadlineRows } from './payment-deadline-rows';
import { RecentPayments } from './recent-payments';
import type { Payment, Saga, SagaStep } from '../domain/payment';
import type {
  NewSagaStep,
  PaymentConflict,
  PaymentExtras,
  PaymentRepository as PaymentStore,
  StoredPayment,
} from '../domain/repositories';

/**
 * Payments, their sagas' state and timelines. The SQL they are written with is payment-sql.ts;
 * the sweeper's reads and writes of deadlines are a part of their own (payment-deadline-rows.ts).
 */
export class PaymentRepository implements PaymentStore {
  private readonly db: Knex | Knex.Transaction;
  private readonly deadlines: PaymentDeadlineRows;

  constructor(
    private readonly executor: Queryable,
    /** What this process last stored or read of each saga in progress (start.ts shares one). */
    private readonly recent = new RecentPayments(0),
  ) {
    this.db = executor.knex;
    this.deadlines = new PaymentDeadlineRows(executor);
  }

  /** Remembered once it is stored: at once, or when the transaction that wrote it commits. */
  private remember(row: StoredRow): StoredPayment {
    const known = stored(row);
    whenCommitted(this.executor, () => this.recent.remember(known));
    return known;
  }

  /**
   * A new payment and the first lines of its timeline, in one statement; its deadline is the
   * database's clock plus `stepTimeoutMs` (every deadline is measured on that clock).
   */
  async insert(
    saga: Saga,
    extra: PaymentExtras,
    steps: NewSagaStep[],
    messages: OutgoingMessage[],
  ): Promise<Payment> {
    // The payment, its first timeline lines and its first command are one statement: atomic by
    // itself, so a request needs no transaction (one round trip instead of four).
    const params = [
      saga.paymentId,
      ...stepArrays(steps),
      saga.reservationId,
      saga.userId,
      saga.tokenId,
      saga.concertId,
      saga.amount,
      saga.status,
      saga.failureCode,
      saga.state,
      saga.pendingFailure,
      extra.stepTimeoutMs / 1000,
      extra.idempotencyKey,
      extra.requestHash,
      extra.traceId,
    ];
    // The outbox's parameters follow the payment's, numbered from where those end.
    const writer = outboxWriter(this.executor);
    const outbox = outboxInsert(messages, params.length + 1, writer.notify);
    const [row] = await this.executor.query<StoredRow>(
      `with steps as (${STEPS_INSERT}), outbox as (${outbox.sql})
       insert into payments (id, reservation_id, user_id, token_id, concert_id, amount, status,
         failure_code, saga_state, pending_failure, deadline_at, idempotency_key, request_hash,
         trace_id)
       values ($1, $6, $7, $8, $9, $10, $11, $12, $13, $14, now() + make_interval(secs => $15),
         $16, $17, $18)
       returning ${STORED_COLUMNS}`,
      [...params, ...outbox.params],
    );
    writer.written();
    return this.remember(row!).payment;
  }

  conflictOf(err: unknown): PaymentConflict | undefined {
    return paymentConflictOf(err);
  }

  async find(paymentId: string): Promise<Payment | undefined> {
    const [row] = await this.executor.query<Payment>(
      `select ${SELECT_COLUMNS} from payments where id = $1`,
      [paymentId],
    );
    return row;
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

  /**
   * The saga's new state, its timeline lines and the commands it sends: one statement. The
   * payment as it now stands comes back.
   */
  async save(saga: Saga, steps: NewSagaStep[], messages: OutgoingMessage[] = []): Promise<Payment> {
    const params = [...sagaParams(saga, steps), saga.deadlineAt];
    // No outbox CTE when nothing is sent: its insert trigger would wake the relay for nothing.
    const writer = messages.length > 0 ? outboxWriter(this.executor) : undefined;
    const outbox = writer && outboxInsert(messages, params.length + 1, writer.notify);
    const [row] = await this.executor.query<StoredRow>(
      `with steps as (${STEPS_INSERT})${outbox ? `, outbox as (${outbox.sql})` : ''}
       update payments set ${SAGA_SET}, deadline_at = $11
       where id = $1
       returning ${STORED_COLUMNS}`,
      [...params, ...(outbox?.params ?? [])],
    );
    writer?.written();
    return this.remember(row!).payment;
  }

  async current(paymentId: string): Promise<StoredPayment | undefined> {
    const known = this.recent.recall(paymentId);
    if (known) return known;
    const [row] = await this.executor.query<StoredRow>(
      `select ${STORED_COLUMNS} from payments where id = $1`,
      [paymentId],
    );
    return row && this.remember(row);
  }

  /**
   * One statement, no lock held before it: the update takes the row only while it is still the
   * version the decision was made on and the message has no inbox record; the timeline, the inbox
   * record and the outbox follow the update's row (none: nothing written at all).
   */
  async saveIfUnchanged(
    change: { saga: Saga; revision: string; decidedAt: Date; previousDeadline: Date | null },
    steps: NewSagaStep[],
    messages: OutgoingMessage[],
    inbox: InboxRecord,
  ): Promise<Payment | undefined> {
    const { saga, revision, decidedAt, previousDeadline } = change;
    // A new deadline is the database's clock plus the step timeout the decision added to its
    // own clock (every deadline is measured on the database's); a kept one stays as stored.
    const kept = saga.deadlineAt?.getTime() === previousDeadline?.getTime();
    const params = [
      ...sagaParams(saga, steps),
      saga.deadlineAt && (saga.deadlineAt.getTime() - decidedAt.getTime()) / 1000,
      kept,
      revision,
    ];
    const claim = inboxClaim(inbox, params.length + 1);
    params.push(...claim.params);
    const writer = messages.length > 0 ? outboxWriter(this.executor) : undefined;
    const outbox =
      writer &&
      outboxInsert(messages, params.length + 1, writer.notify, { from: 'updated', fields: {} });
    const [row] = await this.executor
      .query<StoredRow>(
        `with updated as (
         update payments set ${SAGA_SET},
           deadline_at = case when $12::boolean then deadline_at
             else now() + make_interval(secs => $11::float8) end
         where id = $1 and ${REVISION} = $13::text and ${claim.unclaimed}
         returning ${STORED_COLUMNS}),
       steps as (${stepsInsert('updated')}),
       inbox as (${claim.insert('updated')})
       ${outbox ? `, outbox as (${outbox.sql})` : ''}
       select * from updated`,
        [...params, ...(outbox?.params ?? [])],
      )
      .catch((err: unknown) => {
        this.recent.forget(saga.paymentId, revision);
        throw err;
      });
    if (!row) {
      // Moved by another writer (or the message was handled): read again next time.
      this.recent.forget(saga.paymentId, revision);
      return undefined;
    }
    writer?.written();
    return this.remember(row).payment;
  }

  countOverdue(graceSeconds: number) {
    return this.deadlines.countOverdue(graceSeconds);
  }

  purgeEndedTimelines(olderThanMinutes: number) {
    return this.deadlines.purgeEndedTimelines(olderThanMinutes);
  }

  dueIds(limit: number) {
    return this.deadlines.dueIds(limit);
  }

  lockIfDue(paymentId: string) {
    return this.deadlines.lockIfDue(paymentId);
  }

  postponeDeadline(paymentId: string, ms: number) {
    return this.deadlines.postponeDeadline(paymentId, ms);
  }

  /** The payment, locked, with the database's clock (one round trip for both). */
  async lockWithClock(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined> {
    const [row] = await this.executor.query<Payment & { dbNow: Date }>(
      `select ${SELECT_COLUMNS}, now() as "dbNow" from payments where id = $1 for update`,
      [paymentId],
    );
    if (!row) return undefined;
    const { dbNow, ...payment } = row;
    return { payment, now: dbNow };
  }

  /** Appends steps to the saga's timeline in one statement, in the order given. */
  async addSteps(paymentId: string, steps: NewSagaStep[]): Promise<void> {
    if (steps.length === 0) return;
    await this.executor.query(STEPS_INSERT, [paymentId, ...stepArrays(steps)]);
  }

  steps(paymentId: string): Promise<SagaStep[]> {
    return this.db('saga_steps')
      .where({ payment_id: paymentId })
      .orderBy('id')
      .select({ step: 'step', status: 'status', messageId: 'message_id', note: 'note', at: 'at' });
  }
}
