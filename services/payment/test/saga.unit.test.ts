import type { Saga } from '../src/domain/payment';
import { begin, decide, isWaiting, type SagaEvent } from '../src/domain/saga';

const T = 30_000;
const now = new Date('2026-11-22T12:00:00Z');
const ids = { paymentId: 'p', reservationId: 'r', userId: 'u', tokenId: 't', concertId: 1 };
const start = () => begin(ids, now, T).saga;

/** Runs events through the machine, as the handlers do. */
function run(events: SagaEvent[], from: Saga = start()) {
  let saga = from;
  const commands: string[] = [];
  for (const e of events) {
    const d = decide(saga, e, now, T);
    saga = d.saga;
    commands.push(...d.commands.map((c) => c.type));
  }
  return { saga, commands };
}

describe('payment saga', () => {
  it('when a payment begins, then it is PENDING, confirming the seat with a deadline', () => {
    const d = begin(ids, now, T);
    expect(d.saga).toMatchObject({ status: 'PENDING', state: 'CONFIRMING', amount: null });
    expect(d.saga.deadlineAt!.getTime()).toBe(now.getTime() + T);
    expect(d.commands).toEqual([{ type: 'reservation.confirm' }]);
  });

  it('happy path: confirmed → debit; debited → COMPLETED and the token expired; token-expired → DONE', () => {
    const confirmed = decide(start(), { type: 'reservation.confirmed', price: 99_000 }, now, T);
    expect(confirmed.saga).toMatchObject({ state: 'DEBITING', amount: 99_000, status: 'PENDING' });
    expect(confirmed.commands).toEqual([{ type: 'wallet.debit', amount: 99_000 }]);
    const debited = decide(confirmed.saga, { type: 'wallet.debited' }, now, T);
    expect(debited.saga).toMatchObject({ state: 'EXPIRING_TOKEN', status: 'COMPLETED' });
    expect(debited.commands.map((c) => c.type)).toEqual([
      'payment.completed',
      'queue.expire-token',
    ]);
    const done = decide(debited.saga, { type: 'queue.token-expired' }, now, T);
    expect(done.saga).toMatchObject({ state: 'DONE', status: 'COMPLETED', deadlineAt: null });
    expect(done.commands).toEqual([]);
  });

  it.each([
    ['EXPIRED', 'RESERVATION_EXPIRED'],
    ['NOT_HELD', 'RESERVATION_NOT_HELD'],
    ['FORBIDDEN', 'FORBIDDEN'],
    ['NOT_FOUND', 'RESERVATION_NOT_HELD'],
  ] as const)(
    'when the seat confirmation is rejected (%s), then FAILED %s and nothing else is asked',
    (reason, code) => {
      const d = decide(start(), { type: 'reservation.confirm-rejected', reason }, now, T);
      expect(d.saga).toMatchObject({ status: 'FAILED', failureCode: code, state: 'ENDED' });
      expect(d.commands).toEqual([{ type: 'payment.failed' }]);
    },
  );

  it('when the balance is insufficient, then the seat is given back first and only then FAILED', () => {
    const { saga, commands } = run([
      { type: 'reservation.confirmed', price: 10 },
      { type: 'wallet.debit-rejected', reason: 'INSUFFICIENT_BALANCE' },
    ]);
    expect(saga).toMatchObject({ state: 'REVERTING', status: 'PENDING' });
    expect(commands).toEqual(['wallet.debit', 'reservation.revert-confirmation']);
    const end = decide(saga, { type: 'reservation.confirmation-reverted' }, now, T);
    expect(end.saga).toMatchObject({
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_BALANCE',
      state: 'ENDED',
    });
    expect(end.commands).toEqual([{ type: 'payment.failed' }]);
  });

  it('when the confirmation times out, then the seat is reverted (in case it lands late) and the payment FAILS with TIMEOUT', () => {
    const { saga, commands } = run([
      { type: 'deadline-passed' },
      { type: 'reservation.confirmation-reverted' },
    ]);
    expect(commands).toEqual(['reservation.revert-confirmation', 'payment.failed']);
    expect(saga).toMatchObject({ status: 'FAILED', failureCode: 'TIMEOUT' });
  });

  it('when the debit times out, then it is cancelled, then the seat reverted, then FAILED TIMEOUT', () => {
    const { saga, commands } = run([
      { type: 'reservation.confirmed', price: 10 },
      { type: 'deadline-passed' },
      { type: 'wallet.debit-cancelled' },
      { type: 'reservation.confirmation-reverted' },
    ]);
    expect(commands).toEqual([
      'wallet.debit',
      'wallet.cancel-debit',
      'reservation.revert-confirmation',
      'payment.failed',
    ]);
    expect(saga).toMatchObject({ status: 'FAILED', failureCode: 'TIMEOUT', state: 'ENDED' });
  });

  it('when a compensation or the token step is not acknowledged in time, then it is sent again, never given up', () => {
    const cancelling = run([
      { type: 'reservation.confirmed', price: 10 },
      { type: 'deadline-passed' },
      { type: 'deadline-passed' },
    ]);
    expect(cancelling.commands.slice(-1)).toEqual(['wallet.cancel-debit']);
    expect(cancelling.saga.state).toBe('CANCELLING_DEBIT');
    const reverting = run([{ type: 'deadline-passed' }, { type: 'deadline-passed' }]);
    expect(reverting.commands).toEqual([
      'reservation.revert-confirmation',
      'reservation.revert-confirmation',
    ]);
    const token = run([
      { type: 'reservation.confirmed', price: 10 },
      { type: 'wallet.debited' },
      { type: 'deadline-passed' },
    ]);
    expect(token.commands.slice(-1)).toEqual(['queue.expire-token']);
    expect(token.saga).toMatchObject({ state: 'EXPIRING_TOKEN', status: 'COMPLETED' });
  });

  it('when replies come late or twice, then they are recorded as ignored and change nothing', () => {
    const debiting = run([{ type: 'reservation.confirmed', price: 10 }]).saga;
    const dup = decide(debiting, { type: 'reservation.confirmed', price: 10 }, now, T);
    expect(dup).toMatchObject({ applied: false, commands: [], saga: debiting });
    // A debit arriving after the saga started cancelling it: the cancel refunds it.
    const cancelling = run([{ type: 'deadline-passed' }], debiting).saga;
    expect(decide(cancelling, { type: 'wallet.debited' }, now, T)).toMatchObject({
      applied: false,
      commands: [],
    });
    // The rejection answering the cancel itself is not a new failure.
    expect(
      decide(cancelling, { type: 'wallet.debit-rejected', reason: 'CANCELLED' }, now, T).applied,
    ).toBe(false);
    const ended = run([{ type: 'reservation.confirm-rejected', reason: 'EXPIRED' }]).saga;
    for (const e of [
      { type: 'reservation.confirmed', price: 1 },
      { type: 'wallet.debited' },
      { type: 'deadline-passed' },
    ] as SagaEvent[]) {
      expect(decide(ended, e, now, T)).toMatchObject({ applied: false, commands: [], saga: ended });
    }
    const done = run([
      { type: 'reservation.confirmed', price: 1 },
      { type: 'wallet.debited' },
      { type: 'queue.token-expired' },
    ]).saga;
    expect(decide(done, { type: 'queue.token-expired' }, now, T).applied).toBe(false);
  });

  it('when a state is waiting, then it has a deadline; when ended, then none', () => {
    const states = [
      start(),
      run([{ type: 'reservation.confirmed', price: 1 }]).saga,
      run([{ type: 'deadline-passed' }]).saga,
    ];
    for (const s of states) {
      expect(isWaiting(s.state)).toBe(true);
      expect(s.deadlineAt).not.toBeNull();
    }
    const ended = run([{ type: 'reservation.confirm-rejected', reason: 'NOT_HELD' }]).saga;
    expect(isWaiting(ended.state)).toBe(false);
    expect(ended.deadlineAt).toBeNull();
  });

  it('invariant: money is only ever asked for after the seat is confirmed, and a COMPLETED payment never compensates', () => {
    const events: SagaEvent[] = [
      { type: 'reservation.confirmed', price: 5 },
      { type: 'reservation.confirm-rejected', reason: 'EXPIRED' },
      { type: 'wallet.debited' },
      { type: 'wallet.debit-rejected', reason: 'INSUFFICIENT_BALANCE' },
      { type: 'wallet.debit-cancelled' },
      { type: 'reservation.confirmation-reverted' },
      { type: 'queue.token-expired' },
      { type: 'deadline-passed' },
    ];
    // Every sequence of up to 4 events from the start.
    const walk = (saga: Saga, depth: number, confirmed: boolean) => {
      if (depth === 0) return;
      for (const e of events) {
        const d = decide(saga, e, now, T);
        const nowConfirmed =
          confirmed || (saga.state === 'CONFIRMING' && e.type === 'reservation.confirmed');
        for (const c of d.commands) {
          if (c.type === 'wallet.debit') expect(nowConfirmed).toBe(true);
          if (saga.status === 'COMPLETED') expect(['queue.expire-token']).toContain(c.type);
        }
        if (saga.status !== 'PENDING') expect(d.saga.status).toBe(saga.status); // an end is final
        walk(d.saga, depth - 1, nowConfirmed);
      }
    };
    walk(start(), 4, false);
  });
});
