import { randomUUID } from 'node:crypto';
import { checkedSent, type Sent } from '@ticketing/testing';
import type { Saga, SagaState } from '../src/domain/payment';
import { decide, type SagaEvent } from '../src/domain/saga';
import { outgoing } from '../src/domain/saga-driver';

export const STEP_TIMEOUT_MS = 30_000;
export const NOW = new Date('2026-11-22T12:00:00Z');

/** What a test expects sent: the topic, the type, and (part of) the data. */
type Expected = { topic: string; type: string; data?: Record<string, unknown> };

/**
 * A saga step as FTGO's saga tests write it: given a saga in a state, when an event arrives,
 * then its new state and the messages it sends. The messages are the ones the driver would
 * write to the outbox (`decide`, then the command mapping), each checked against the system's
 * contracts and topics; no database, no broker.
 */
export function given(state: SagaState, saga: Partial<Saga> = {}) {
  const before: Saga = {
    paymentId: randomUUID(),
    reservationId: randomUUID(),
    userId: randomUUID(),
    tokenId: randomUUID(),
    concertId: 7,
    amount: state === 'CONFIRMING' ? null : 99_000,
    status: state === 'EXPIRING_TOKEN' || state === 'DONE' ? 'COMPLETED' : 'PENDING',
    failureCode: null,
    state,
    pendingFailure: null,
    deadlineAt: new Date(NOW.getTime() + STEP_TIMEOUT_MS),
    ...saga,
  };
  return {
    saga: before,
    when(event: SagaEvent) {
      const decision = decide(before, event, NOW, STEP_TIMEOUT_MS);
      const cause = { step: event.type, status: 'RECEIVED' as const, messageId: null, note: null };
      const sent: Sent[] = checkedSent('payment', outgoing(decision, cause).messages);
      const then = {
        decision,
        sent,
        expectState(change: Partial<Saga>) {
          expect(decision.saga).toEqual({ ...before, ...change });
          return then;
        },
        expectSent(...expected: Expected[]) {
          expect(sent).toMatchObject(expected.map((e) => ({ data: {}, ...e })));
          expect(sent).toHaveLength(expected.length);
          // Replies find the saga by correlation id: every command carries the payment's.
          for (const s of sent) expect(s.envelope.correlationId).toBe(before.paymentId);
          return then;
        },
        expectIgnored() {
          expect(decision.applied).toBe(false);
          expect(decision.saga).toBe(before);
          expect(sent).toEqual([]);
          return then;
        },
      };
      return then;
    },
  };
}
