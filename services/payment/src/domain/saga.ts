/**
 * The payment saga as a pure function: given the saga's state and what just happened, the next
 * state, the commands to send and the line for its history. No I/O: handlers apply it inside
 * one transaction with the inbox and the outbox.
 *
 *   CONFIRMING ──confirmed──► DEBITING ──debited──► EXPIRING_TOKEN ──token-expired──► DONE (COMPLETED)
 *      │ rejected ─► ENDED (FAILED: reason)   │ rejected ─► REVERTING ──reverted──► ENDED (FAILED: INSUFFICIENT_BALANCE)
 *      │ deadline ─► REVERTING (TIMEOUT)      │ deadline ─► CANCELLING_DEBIT ──cancelled──► REVERTING (TIMEOUT)
 * A step past its deadline is compensated; a compensation or the token step past its deadline is
 * sent again (they cannot fail for good). Late or duplicated replies are recorded and ignored.
 */

import type { FailureCode, Saga, SagaState } from './payment';

export type SagaEvent =
  | { type: 'reservation.confirmed'; price: number }
  | {
      type: 'reservation.confirm-rejected';
      reason: 'EXPIRED' | 'NOT_HELD' | 'FORBIDDEN' | 'NOT_FOUND';
    }
  | { type: 'reservation.confirmation-reverted' }
  | { type: 'wallet.debited' }
  | { type: 'wallet.debit-rejected'; reason: 'INSUFFICIENT_BALANCE' | 'CANCELLED' }
  | { type: 'wallet.debit-cancelled' }
  | { type: 'queue.token-expired' }
  | { type: 'deadline-passed' };

export type SagaCommand =
  | { type: 'reservation.confirm' }
  | { type: 'reservation.revert-confirmation' }
  | { type: 'wallet.debit'; amount: number }
  | { type: 'wallet.cancel-debit' }
  | { type: 'queue.expire-token' }
  | { type: 'payment.completed' }
  | { type: 'payment.failed' };

export interface Decision {
  saga: Saga;
  commands: SagaCommand[];
  /** False when the event changed nothing (late, duplicated or foreign to this state). */
  applied: boolean;
  note: string;
}

const WAITING: SagaState[] = [
  'CONFIRMING',
  'DEBITING',
  'CANCELLING_DEBIT',
  'REVERTING',
  'EXPIRING_TOKEN',
];
export const isWaiting = (s: SagaState) => WAITING.includes(s);

const REJECTION_CODES: Record<'EXPIRED' | 'NOT_HELD' | 'FORBIDDEN' | 'NOT_FOUND', FailureCode> = {
  EXPIRED: 'RESERVATION_EXPIRED',
  NOT_HELD: 'RESERVATION_NOT_HELD',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'RESERVATION_NOT_HELD',
};

/** A new saga: the payment is PENDING and the seat is asked to be confirmed. */
export function begin(
  p: Pick<Saga, 'paymentId' | 'reservationId' | 'userId' | 'tokenId' | 'concertId'>,
  now: Date,
  stepTimeoutMs: number,
): Decision {
  return {
    saga: {
      ...p,
      amount: null,
      status: 'PENDING',
      failureCode: null,
      state: 'CONFIRMING',
      pendingFailure: null,
      deadlineAt: new Date(now.getTime() + stepTimeoutMs),
    },
    commands: [{ type: 'reservation.confirm' }],
    applied: true,
    note: 'payment requested; confirming the seat',
  };
}

export function decide(saga: Saga, event: SagaEvent, now: Date, stepTimeoutMs: number): Decision {
  const deadline = new Date(now.getTime() + stepTimeoutMs);
  const ignore = (why: string): Decision => ({
    saga,
    commands: [],
    applied: false,
    note: `${event.type} ignored: ${why}`,
  });
  const go = (change: Partial<Saga>, commands: SagaCommand[], note: string): Decision => ({
    saga: { ...saga, ...change },
    commands,
    applied: true,
    note,
  });
  const fail = (code: FailureCode, note: string): Decision =>
    go(
      {
        status: 'FAILED',
        failureCode: code,
        state: 'ENDED',
        pendingFailure: null,
        deadlineAt: null,
      },
      [{ type: 'payment.failed' }],
      note,
    );

  switch (saga.state) {
    case 'CONFIRMING':
      if (event.type === 'reservation.confirmed') {
        return go(
          { amount: event.price, state: 'DEBITING', deadlineAt: deadline },
          [{ type: 'wallet.debit', amount: event.price }],
          `seat confirmed at ${event.price} KRW; debiting`,
        );
      }
      if (event.type === 'reservation.confirm-rejected')
        return fail(REJECTION_CODES[event.reason], `seat not confirmed (${event.reason})`);
      if (event.type === 'deadline-passed') {
        // The confirmation may still land: revert it (a no-op if it never happened).
        return go(
          { state: 'REVERTING', pendingFailure: 'TIMEOUT', deadlineAt: deadline },
          [{ type: 'reservation.revert-confirmation' }],
          'no answer from reservation in time; reverting',
        );
      }
      return ignore('waiting for the seat confirmation');

    case 'DEBITING':
      if (event.type === 'wallet.debited') {
        return go(
          { status: 'COMPLETED', state: 'EXPIRING_TOKEN', deadlineAt: deadline },
          [{ type: 'payment.completed' }, { type: 'queue.expire-token' }],
          'money taken; payment completed; expiring the queue token',
        );
      }
      if (event.type === 'wallet.debit-rejected' && event.reason === 'INSUFFICIENT_BALANCE') {
        return go(
          { state: 'REVERTING', pendingFailure: 'INSUFFICIENT_BALANCE', deadlineAt: deadline },
          [{ type: 'reservation.revert-confirmation' }],
          'insufficient balance; giving the seat back',
        );
      }
      if (event.type === 'deadline-passed') {
        // The debit may have happened: cancel it (refund if applied, block if late).
        return go(
          { state: 'CANCELLING_DEBIT', pendingFailure: 'TIMEOUT', deadlineAt: deadline },
          [{ type: 'wallet.cancel-debit' }],
          'no answer from wallet in time; cancelling the debit',
        );
      }
      return ignore('waiting for the debit');

    case 'CANCELLING_DEBIT':
      if (event.type === 'wallet.debit-cancelled') {
        return go(
          { state: 'REVERTING', deadlineAt: deadline },
          [{ type: 'reservation.revert-confirmation' }],
          'debit cancelled; giving the seat back',
        );
      }
      if (event.type === 'deadline-passed')
        return go(
          { deadlineAt: deadline },
          [{ type: 'wallet.cancel-debit' }],
          'cancel-debit not acknowledged; sending it again',
        );
      return ignore('cancelling the debit');

    case 'REVERTING':
      if (event.type === 'reservation.confirmation-reverted')
        return fail(saga.pendingFailure ?? 'TIMEOUT', 'seat given back; payment failed');
      if (event.type === 'deadline-passed')
        return go(
          { deadlineAt: deadline },
          [{ type: 'reservation.revert-confirmation' }],
          'revert not acknowledged; sending it again',
        );
      return ignore('giving the seat back');

    case 'EXPIRING_TOKEN':
      if (event.type === 'queue.token-expired')
        return go({ state: 'DONE', deadlineAt: null }, [], 'queue token expired; saga done');
      if (event.type === 'deadline-passed')
        return go(
          { deadlineAt: deadline },
          [{ type: 'queue.expire-token' }],
          'token expiry not acknowledged; sending it again',
        );
      return ignore('payment completed');

    case 'DONE':
    case 'ENDED':
      return ignore('the saga has ended');
  }
}
