import { createHash, randomUUID } from 'node:crypto';
import { requireOwner, type Caller } from '@ticketing/auth';
import { enqueue } from '@ticketing/messaging';
import { AppError, type Knex } from '@ticketing/platform';
import {
  PaymentRepository,
  paymentConflictOf,
  type Payment,
  type SagaStep,
} from '../data-access/payment-repository';
import { messageFor } from './commands';
import { begin, decide, type Decision, type SagaEvent } from './saga';

export interface Fan {
  userId: string;
  tokenId: string;
  concertId: number;
}

const hashOf = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

/** Told of every payment that ends, once its transaction has committed (metrics). */
export interface PaymentOutcomes {
  ended(payment: Pick<Payment, 'status' | 'failureCode' | 'createdAt'>): void;
}

/** The payment use cases: request, follow, and drive the saga. */
export class Payments {
  constructor(
    private readonly db: Knex,
    private readonly stepTimeoutMs: number,
    private readonly outcomes: PaymentOutcomes = { ended: () => undefined },
  ) {}

  /**
   * A fan pays for a held seat: the payment row (PENDING) and the saga's first command commit
   * together. With an Idempotency-Key the same payment comes back; a second live payment for the
   * reservation is refused.
   */
  async request(
    fan: Fan,
    reservationId: string,
    idempotencyKey?: string,
  ): Promise<{ payment: Payment; created: boolean }> {
    const requestHash = idempotencyKey ? hashOf({ reservationId }) : null;
    if (idempotencyKey) {
      const existing = await this.sameKey(fan.userId, idempotencyKey, requestHash!);
      if (existing) return { payment: existing, created: false };
    }
    try {
      const payment = await this.db.transaction(async (trx) => {
        const repo = new PaymentRepository(trx);
        const start = begin(
          {
            paymentId: randomUUID(),
            reservationId,
            userId: fan.userId,
            tokenId: fan.tokenId,
            concertId: fan.concertId,
          },
          await dbNow(trx),
          this.stepTimeoutMs,
        );
        await repo.insert(start.saga, { idempotencyKey: idempotencyKey ?? null, requestHash });
        await this.send(trx, start, {
          step: 'payment.requested',
          status: 'RECEIVED',
          messageId: null,
          note: start.note,
        });
        return (await repo.find(start.saga.paymentId))!;
      });
      return { payment, created: true };
    } catch (err) {
      const conflict = paymentConflictOf(err);
      if (conflict === 'IDEMPOTENCY_KEY')
        return {
          payment: (await this.sameKey(fan.userId, idempotencyKey!, requestHash!))!,
          created: false,
        };
      if (conflict === 'RESERVATION') {
        const live = await new PaymentRepository(this.db).findLiveForReservation(reservationId);
        if (live?.status === 'COMPLETED')
          throw AppError.conflict('RESERVATION_ALREADY_PAID', 'this reservation is already paid', {
            paymentId: live.paymentId,
          });
        throw AppError.conflict(
          'PAYMENT_IN_PROGRESS',
          'a payment for this reservation is in progress',
          { paymentId: live?.paymentId },
        );
      }
      throw err;
    }
  }

  private async sameKey(
    userId: string,
    key: string,
    requestHash: string,
  ): Promise<Payment | undefined> {
    const existing = await new PaymentRepository(this.db).findByIdempotencyKey(userId, key);
    if (existing && existing.requestHash !== requestHash) {
      throw new AppError({
        code: 'IDEMPOTENCY_KEY_REUSED',
        status: 422,
        detail: 'this Idempotency-Key was used with a different request',
      });
    }
    return existing;
  }

  /** A reply for a saga, inside the consumer's transaction (with its inbox record). */
  async onReply(
    trx: Knex.Transaction,
    paymentId: string,
    event: SagaEvent,
    messageId: string,
  ): Promise<void> {
    const repo = new PaymentRepository(trx);
    const locked = await repo.lockWithClock(paymentId);
    if (!locked) return; // not a payment of ours
    const decision = decide(locked.payment, event, locked.now, this.stepTimeoutMs);
    const received = {
      step: event.type,
      status: decision.applied ? ('RECEIVED' as const) : ('IGNORED' as const),
      messageId,
      note: decision.note,
    };
    if (!decision.applied) return repo.addSteps(paymentId, [received]);
    await repo.save(decision.saga);
    await this.send(trx, decision, received);
    this.reportIfEnded(trx, locked.payment, decision);
  }

  /** Sagas past their deadline move on (compensate or retry). Safe with every instance sweeping. */
  async sweepDue(limit = 100): Promise<number> {
    return this.db.transaction(async (trx) => {
      const repo = new PaymentRepository(trx);
      const due = await repo.lockDue(limit);
      const now = await dbNow(trx);
      for (const payment of due) {
        const decision = decide(payment, { type: 'deadline-passed' }, now, this.stepTimeoutMs);
        await repo.save(decision.saga);
        await this.send(trx, decision, {
          step: `deadline (${payment.state})`,
          status: 'TIMEOUT',
          messageId: null,
          note: decision.note,
        });
        this.reportIfEnded(trx, payment, decision);
      }
      return due.length;
    });
  }

  /** The payer's payment: their identity, or their ACTIVE queue pass of its concert. */
  async get(caller: Caller, paymentId: string): Promise<Payment> {
    const payment = await this.find(paymentId);
    requireOwner(caller, {
      ownerId: payment.userId,
      concertId: payment.concertId,
      what: 'payment',
    });
    return payment;
  }

  /** As it is now, whoever asks (the request that created it, waiting for its end). */
  async find(paymentId: string): Promise<Payment> {
    const payment = await new PaymentRepository(this.db).find(paymentId);
    if (!payment) throw AppError.notFound(`payment ${paymentId} not found`);
    return payment;
  }

  /**
   * The caller's payments of a reservation, newest first: how a fan whose POST /payments answer
   * was lost learns the outcome after the saga spent their queue pass. Someone else's
   * reservation simply has none of the caller's payments.
   */
  ofReservation(userId: string, reservationId: string): Promise<Payment[]> {
    return new PaymentRepository(this.db).ofReservation(userId, reservationId);
  }

  /** The saga's timeline: for its payer, or an operator (`ticketing:admin`). */
  async timeline(caller: Caller, paymentId: string) {
    const payment =
      caller.kind === 'identity' && caller.admin
        ? await this.find(paymentId)
        : await this.get(caller, paymentId);
    return { payment, steps: await new PaymentRepository(this.db).steps(paymentId) };
  }

  private reportIfEnded(trx: Knex.Transaction, before: Payment, decision: Decision): void {
    if (before.status !== 'PENDING' || decision.saga.status === 'PENDING') return;
    const ended = { ...decision.saga, createdAt: before.createdAt };
    // After the commit: a rolled-back transaction (retried by the consumer) ended nothing.
    trx.executionPromise.then(
      () => this.outcomes.ended(ended),
      () => undefined,
    );
  }

  /** Records what happened and what is sent (one insert), and enqueues the commands. */
  private async send(
    trx: Knex.Transaction,
    decision: Decision,
    cause: Omit<SagaStep, 'at'>,
  ): Promise<void> {
    const messages = decision.commands.map((c) => messageFor(c, decision.saga));
    const sent = messages.map((m) => ({
      step: m.envelope.type,
      status: 'SENT' as const,
      messageId: m.envelope.id,
      note: null,
    }));
    await new PaymentRepository(trx).addSteps(decision.saga.paymentId, [cause, ...sent]);
    await enqueue(trx, messages);
  }
}

async function dbNow(trx: Knex | Knex.Transaction): Promise<Date> {
  const { rows } = await trx.raw<{ rows: { now: Date }[] }>('select now() as now');
  return rows[0]!.now;
}
