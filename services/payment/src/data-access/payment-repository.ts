import {
  deleteInBatches,
  rowRevision,
  whenCommitted,
  type Queryable,
  type Knex,
} from '@ticketing/platform';
import {
  inboxClaim,
  outboxInsert,
  outboxWriter,
  type InboxRecord,
  type OutgoingMessage,
} from '@ticketing/messaging';
import { RecentPayments } from './recent-payments';
import type {
  FailureCode,
  Payment,
  PaymentStatus,
  Saga,
  SagaState,
  SagaStep,
} from '../domain/payment';
import type {
  NewSagaStep,
  PaymentConflict,
  PaymentExtras,
  PaymentRepository as PaymentStore,
  StoredPayment,
} from '../domain/repositories';

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
  traceId: 'trace_id',
};

/** The same columns for the statements written as SQL (the hot paths). */
const SELECT_COLUMNS = Object.entries(COLUMNS)
  .map(([field, column]) => `${column} as "${field}"`)
  .join(', ');

const REVISION = rowRevision();

/** The columns and the row's revision. */
const STORED_COLUMNS = `${SELECT_COLUMNS}, ${REVISION} as "revision"`;

type StoredRow = Payment & { revision: string };

function stored({ revision, ...payment }: StoredRow): StoredPayment {
  return { payment, revision };
}

/**
 * The timeline lines of a saga, appended in the order given, as one statement text; with
 * `after`, only if the CTE of that name has a row (the write they describe took place).
 */
const stepsInsert = (
  after?: string,
) => `insert into saga_steps (payment_id, step, status, message_id, note)
  select $1, s.step, s.status, s.message_id, s.note
  from unnest($2::text[], $3::text[], $4::uuid[], $5::text[])
    with ordinality as s (step, status, message_id, note, n)
  ${after ? `where exists (select 1 from ${after})` : ''}
  order by s.n`;
const STEPS_INSERT = stepsInsert();

/**
 * What a saga write sets, as `sagaParams` numbers them: the state ($6 – $10) and when it ended.
 * The deadline ($11) is each statement's own.
 */
const SAGA_SET = `amount = $6, status = $7, failure_code = $8, saga_state = $9,
  pending_failure = $10,
  completed_at = case when $7 = 'PENDING' then null else coalesce(completed_at, now()) end,
  updated_at = now()`;

/** The payment id ($1), its timeline lines ($2 – $5) and its state ($6 – $10). */
const sagaParams = (saga: Saga, steps: NewSagaStep[]): unknown[] => [
  saga.paymentId,
  ...stepArrays(steps),
  saga.amount,
  saga.status satisfies PaymentStatus,
  saga.failureCode satisfies FailureCode | null,
  saga.state satisfies SagaState,
  saga.pendingFailure,
];

const stepArrays = (steps: NewSagaStep[]) => [
  steps.map((s) => s.step),
  steps.map((s) => s.status),
  steps.map((s) => s.messageId),
  steps.map((s) => s.note),
];

/** Which unique rule a failed insert broke (Postgres names the constraint). */
function paymentConflictOf(err: unknown): PaymentConflict | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return undefined;
  if (e.constraint === 'payments_one_per_reservation') return 'RESERVATION';
  if (e.constraint === 'payments_idempotency') return 'IDEMPOTENCY_KEY';
  return undefined;
}

export class PaymentRepository implements PaymentStore {
  private readonly db: Knex | Knex.Transaction;

  constructor(
    private readonly executor: Queryable,
    /** What this process last stored or read of each saga in progress (start.ts shares one). */
    private readonly recent = new RecentPayments(0),
  ) {
    this.db = executor.knex;
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

  async countOverdue(graceSeconds: number): Promise<number> {
    const [row] = await this.executor.query<{ n: number }>(
      `select count(*)::int as n from payments
       where deadline_at < now() - make_interval(secs => $1::int)`,
      [graceSeconds],
    );
    return row!.n;
  }

  /** Deletes the timeline lines of ended sagas older than the window, in bounded batches. */
  purgeEndedTimelines(olderThanMinutes: number): Promise<number> {
    return deleteInBatches(
      this.executor,
      'saga_steps',
      `select s.ctid from saga_steps s join payments p on p.id = s.payment_id
       where s.at < now() - make_interval(mins => $1::int) and p.status <> 'PENDING' limit $2`,
      [olderThanMinutes],
    );
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
