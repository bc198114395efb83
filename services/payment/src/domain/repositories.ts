import type { InboxRecord, OutgoingMessage } from '@ticketing/messaging';
import type { Queryable } from '@ticketing/platform';
import type { Payment, Saga, SagaStep } from './payment';

/** Which unique rule a refused insert broke: one live payment per reservation, one per key. */
export type PaymentConflict = 'RESERVATION' | 'IDEMPOTENCY_KEY';

/** A payment as stored, with the store's mark of that version of it (opaque). */
export interface StoredPayment {
  payment: Payment;
  revision: string;
}

/** A timeline line as the saga writes it (the store stamps its time). */
export type NewSagaStep = Omit<SagaStep, 'at'>;

/** What a new payment keeps beside its saga: its key, its request, its step timeout, its trace. */
export interface PaymentExtras {
  idempotencyKey: string | null;
  requestHash: string | null;
  stepTimeoutMs: number;
  traceId: string | null;
}

/**
 * Where payments and their timelines are kept (data-access implements it over Postgres). Each
 * write that sends commands writes them with the payment, in one statement.
 */
export interface PaymentRepository {
  /**
   * A new payment, its first timeline lines and its first commands; its deadline is the store's
   * clock plus `stepTimeoutMs`.
   */
  insert(
    saga: Saga,
    extra: PaymentExtras,
    steps: NewSagaStep[],
    messages: OutgoingMessage[],
  ): Promise<Payment>;
  /** Which of the rules above a failed insert broke; undefined for any other failure. */
  conflictOf(err: unknown): PaymentConflict | undefined;
  find(paymentId: string): Promise<Payment | undefined>;
  findByIdempotencyKey(userId: string, key: string): Promise<Payment | undefined>;
  ofReservation(userId: string, reservationId: string): Promise<Payment[]>;
  findLiveForReservation(reservationId: string): Promise<Payment | undefined>;
  /** The saga's new state, its timeline lines and its commands; the payment as it now stands. */
  save(saga: Saga, steps: NewSagaStep[], messages?: OutgoingMessage[]): Promise<Payment>;
  /**
   * The payment as last stored, with its revision: from this process's memory of what it last
   * wrote or read when it has one (which may be stale: `saveIfUnchanged` tells), else read.
   */
  current(paymentId: string): Promise<StoredPayment | undefined>;
  /**
   * The saga's new state, its timeline lines, its commands and the inbox record of the message
   * that moved it, in one statement, if the payment is still at `revision` and the message was
   * not handled before; undefined otherwise, with nothing written. `decidedAt` is the clock the
   * decision took its deadline from: the store moves the deadline onto its own clock.
   */
  saveIfUnchanged(
    change: { saga: Saga; revision: string; decidedAt: Date; previousDeadline: Date | null },
    steps: NewSagaStep[],
    messages: OutgoingMessage[],
    inbox: InboxRecord,
  ): Promise<Payment | undefined>;
  countOverdue(graceSeconds: number): Promise<number>;
  /** Deletes the timeline lines of ended sagas older than the window; how many went. */
  purgeEndedTimelines(olderThanMinutes: number): Promise<number>;
  /** Sagas past their deadline, oldest first (not locked). */
  dueIds(limit: number): Promise<string[]>;
  /** The payment, locked, with the store's clock, if still past its deadline and not taken. */
  lockIfDue(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined>;
  /** A saga whose step could not be taken is tried again after `ms`. */
  postponeDeadline(paymentId: string, ms: number): Promise<void>;
  /** The payment, locked, with the store's clock. */
  lockWithClock(paymentId: string): Promise<{ payment: Payment; now: Date } | undefined>;
  addSteps(paymentId: string, steps: NewSagaStep[]): Promise<void>;
  steps(paymentId: string): Promise<SagaStep[]>;
}

/**
 * The payment repository over the pool or a transaction: the use cases are handed this factory
 * (wired in start.ts) rather than constructing repositories, so a test can hand them its own.
 */
export type PaymentsIn = (executor: Queryable) => PaymentRepository;

/**
 * Told of every payment that ends, as stored, once its transaction has committed (metrics, and
 * the requests of this process waiting for it: Prefer: wait).
 */
export interface PaymentOutcomes {
  ended(payment: Payment): void;
}

/** Lets a request wait for a payment to end, whichever instance runs its saga. */
export interface PaymentEndingWaits {
  /**
   * Resolves when the payment ends or `ms` pass; `isEnded` is asked after each wake-up, with
   * the payment when this process ended it.
   */
  wait(
    paymentId: string,
    ms: number,
    isEnded: (ended?: Payment) => Promise<boolean>,
  ): Promise<void>;
}
