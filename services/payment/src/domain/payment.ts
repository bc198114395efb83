import type { payment } from '@ticketing/contracts';

/**
 * The payment's records, owned by the domain: the saga (`saga.ts` moves it along), the payment
 * as its owner reads it, and the lines of its timeline. data-access maps rows to these.
 */

/** Where a payment's saga is (`saga.ts` moves it along). */
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

/** A payment's saga: stored as one row, updated in place. */
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
  /** The trace the payment began in (null when the request carried none). */
  traceId: string | null;
}

export interface SagaStep {
  step: string;
  status: 'SENT' | 'RECEIVED' | 'IGNORED' | 'TIMEOUT';
  messageId: string | null;
  note: string | null;
  at: Date;
}
