import { createHash, randomUUID } from 'node:crypto';
import { requireActiveCaller, requireOwner, type Caller } from '@ticketing/auth';
import {
  AppError,
  currentTraceId,
  type Database,
  type Logger,
  type Transaction,
} from '@ticketing/platform';
import type { PaymentEndings } from '../data-access/payment-endings';
import {
  PaymentRepository,
  paymentConflictOf,
  type Payment,
  type SagaStep,
} from '../data-access/payment-repository';

export type { Payment };
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
    private readonly db: Database,
    private readonly options: {
      stepTimeoutMs: number;
      /** Told of every payment that ends (metrics). */
      outcomes?: PaymentOutcomes;
      /** Notifications of ended payments (Prefer: wait). */
      endings?: PaymentEndings;
      logger?: Logger;
    },
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
      // The deadline `begin` computes is taken on the database's clock by the insert.
      const start = begin(
        {
          paymentId: randomUUID(),
          reservationId,
          userId: fan.userId,
          tokenId: fan.tokenId,
          concertId: fan.concertId,
        },
        new Date(),
        this.options.stepTimeoutMs,
      );
      const { messages, steps } = this.outgoing(start, {
        step: 'payment.requested',
        status: 'RECEIVED',
        messageId: null,
        note: start.note,
      });
      // The payment row (PENDING), its timeline and its first command: one statement.
      const payment = await new PaymentRepository(this.db).insert(
        start.saga,
        {
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
          stepTimeoutMs: this.options.stepTimeoutMs,
          traceId: currentTraceId() ?? null,
        },
        steps,
        messages,
      );
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
        // A completed payment proves who owns the reservation: anyone else is told 403, not
        // what state another user's reservation is in (API.md: ownership before state).
        if (live?.status === 'COMPLETED' && live.userId !== fan.userId)
          throw AppError.forbidden('this reservation belongs to another user');
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
        detail: 'this Idempotency-Key was used with a different request',
      });
    }
    return existing;
  }

  /** A reply for a saga, inside the consumer's transaction (with its inbox record). */
  async onReply(
    tx: Transaction,
    paymentId: string,
    event: SagaEvent,
    messageId: string,
  ): Promise<void> {
    const repo = new PaymentRepository(tx);
    const locked = await repo.lockWithClock(paymentId);
    if (!locked) return; // not a payment of ours
    const decision = decide(locked.payment, event, locked.now, this.options.stepTimeoutMs);
    const received = {
      step: event.type,
      status: decision.applied ? ('RECEIVED' as const) : ('IGNORED' as const),
      messageId,
      note: decision.note,
    };
    if (!decision.applied) return repo.addSteps(paymentId, [received]);
    await this.apply(tx, decision, received);
    this.reportIfEnded(tx, locked.payment, decision);
  }

  /**
   * Sagas past their deadline move on (compensate or retry), each in a transaction of its own:
   * one that cannot (a bug, a row an old version wrote) is logged and tried again a step timeout
   * later, and never holds up the others. Safe with every instance sweeping.
   */
  async sweepDue(limit = 100): Promise<number> {
    let moved = 0;
    for (const paymentId of await new PaymentRepository(this.db).dueIds(limit)) {
      try {
        if (await this.passDeadline(paymentId)) moved += 1;
      } catch (err) {
        this.options.logger?.warn(
          { err, paymentId },
          'saga past its deadline could not move on; trying it again later',
        );
        await new PaymentRepository(this.db)
          .postponeDeadline(paymentId, this.options.stepTimeoutMs)
          .catch(() => undefined);
      }
    }
    return moved;
  }

  /** One saga's deadline: false when a reply or another sweeper got there first. */
  private passDeadline(paymentId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const repo = new PaymentRepository(tx);
      const locked = await repo.lockIfDue(paymentId);
      if (!locked) return false;
      const { payment, now } = locked;
      const decision = decide(
        payment,
        { type: 'deadline-passed' },
        now,
        this.options.stepTimeoutMs,
      );
      await this.apply(tx, decision, {
        step: `deadline (${payment.state})`,
        status: 'TIMEOUT',
        messageId: null,
        note: decision.note,
      });
      this.reportIfEnded(tx, payment, decision);
      return true;
    });
  }

  /** The payer's payment: their identity, or their ACTIVE queue pass of its concert. */
  async get(caller: Caller, paymentId: string): Promise<Payment> {
    requireActiveCaller(caller);
    const payment = await this.find(paymentId);
    requireOwner(caller, {
      ownerId: payment.userId,
      concertId: payment.concertId,
      what: 'payment',
    });
    return payment;
  }

  /**
   * The payment once it has ended (COMPLETED or FAILED), or as it stands after `ms` (Prefer:
   * wait=N): woken by the ending transaction's notification, whichever instance ran the saga.
   * `payment` is how the caller last saw it (a request that just created it need not read it).
   */
  async awaitEnd(payment: Payment, ms: number): Promise<Payment> {
    const paymentId = payment.paymentId;
    let current = payment;
    if (!this.options.endings || current.status !== 'PENDING') return current;
    await this.options.endings.wait(paymentId, ms, async () => {
      current = await this.find(paymentId);
      return current.status !== 'PENDING';
    });
    return current;
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

  /** How many sagas are still past their deadline `graceSeconds` after it (stuck ones). */
  overdueSagas(graceSeconds: number): Promise<number> {
    return new PaymentRepository(this.db).countOverdue(graceSeconds);
  }

  /**
   * Forgets the timelines of sagas that ended more than the window ago (retention): the payment
   * stays, its view then shows no steps.
   */
  forgetEndedTimelines(olderThanMinutes: number): Promise<number> {
    return new PaymentRepository(this.db).purgeEndedTimelines(olderThanMinutes);
  }

  /** The saga's timeline: for its payer, or an operator (`ticketing:admin`). */
  async timeline(caller: Caller, paymentId: string) {
    const payment =
      caller.kind === 'identity' && caller.admin
        ? await this.find(paymentId)
        : await this.get(caller, paymentId);
    return { payment, steps: await new PaymentRepository(this.db).steps(paymentId) };
  }

  private reportIfEnded(tx: Transaction, before: Payment, decision: Decision): void {
    if (before.status !== 'PENDING' || decision.saga.status === 'PENDING') return;
    const ended = { ...decision.saga, createdAt: before.createdAt };
    // After the commit: a rolled-back transaction (retried by the consumer) ended nothing.
    tx.afterCommit(() => this.options.outcomes?.ended(ended));
  }

  /** The saga's new state, what happened and the commands it sends: one statement. */
  private async apply(
    tx: Transaction,
    decision: Decision,
    cause: Omit<SagaStep, 'at'>,
  ): Promise<void> {
    const { messages, steps } = this.outgoing(decision, cause);
    await new PaymentRepository(tx).save(decision.saga, steps, messages);
  }

  /** The decision's commands as messages, and the timeline lines: the cause, then each sent. */
  private outgoing(decision: Decision, cause: Omit<SagaStep, 'at'>) {
    const messages = decision.commands.map((c) => messageFor(c, decision.saga));
    const steps = [
      cause,
      ...messages.map((m) => ({
        step: m.envelope.type,
        status: 'SENT' as const,
        messageId: m.envelope.id,
        note: null,
      })),
    ];
    return { messages, steps };
  }
}
