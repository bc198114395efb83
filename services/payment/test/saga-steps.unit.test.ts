import { TOPICS } from '@ticketing/contracts';
import { given, NOW, STEP_TIMEOUT_MS } from './saga-script';

const nextDeadline = new Date(NOW.getTime() + STEP_TIMEOUT_MS);
const { reservationCommands, walletCommands, queueCommands, paymentEvents } = TOPICS;

/**
 * Every step of the payment saga as the outbox would carry it, without a database or a broker:
 * the state it moves to and each message it sends (contract, topic, data). `saga.unit` walks
 * the state machine itself; these pin what reaches the other services.
 */
describe('payment saga steps: what each decision sends, and where', () => {
  it('when CONFIRMING hears the seat confirmed, then it debits the price on wallet.commands', () => {
    const step = given('CONFIRMING').when({ type: 'reservation.confirmed', price: 99_000 });
    const { paymentId, userId } = step.decision.saga;
    step.expectState({ state: 'DEBITING', amount: 99_000, deadlineAt: nextDeadline }).expectSent({
      topic: walletCommands,
      type: 'wallet.debit',
      data: { paymentId, userId, amount: 99_000 },
    });
  });

  it('when CONFIRMING hears the seat rejected, then the payment FAILS on payment.events and nothing is compensated', () => {
    const step = given('CONFIRMING').when({
      type: 'reservation.confirm-rejected',
      reason: 'EXPIRED',
    });
    step
      .expectState({
        status: 'FAILED',
        failureCode: 'RESERVATION_EXPIRED',
        state: 'ENDED',
        deadlineAt: null,
      })
      .expectSent({
        topic: paymentEvents,
        type: 'payment.failed',
        data: {
          failureCode: 'RESERVATION_EXPIRED',
          reservationId: step.decision.saga.reservationId,
        },
      });
  });

  it('when CONFIRMING passes its deadline, then the confirmation is reverted on reservation.commands (it may still land)', () => {
    const step = given('CONFIRMING').when({ type: 'deadline-passed' });
    step
      .expectState({ state: 'REVERTING', pendingFailure: 'TIMEOUT', deadlineAt: nextDeadline })
      .expectSent({
        topic: reservationCommands,
        type: 'reservation.revert-confirmation',
        data: { reservationId: step.decision.saga.reservationId },
      });
  });

  it('when DEBITING hears the money taken, then payment.completed and the queue pass expired, in that order', () => {
    const step = given('DEBITING').when({ type: 'wallet.debited' });
    const { tokenId, concertId, userId } = step.decision.saga;
    step
      .expectState({ status: 'COMPLETED', state: 'EXPIRING_TOKEN', deadlineAt: nextDeadline })
      .expectSent(
        { topic: paymentEvents, type: 'payment.completed', data: { amount: 99_000 } },
        { topic: queueCommands, type: 'queue.expire-token', data: { tokenId, concertId, userId } },
      );
  });

  it('when DEBITING hears the balance is short, then the seat is given back before the payment fails', () => {
    given('DEBITING')
      .when({ type: 'wallet.debit-rejected', reason: 'INSUFFICIENT_BALANCE' })
      .expectState({
        state: 'REVERTING',
        pendingFailure: 'INSUFFICIENT_BALANCE',
        deadlineAt: nextDeadline,
      })
      .expectSent({ topic: reservationCommands, type: 'reservation.revert-confirmation' });
  });

  it('when DEBITING passes its deadline, then the debit is cancelled on wallet.commands (it may have happened)', () => {
    given('DEBITING')
      .when({ type: 'deadline-passed' })
      .expectState({
        state: 'CANCELLING_DEBIT',
        pendingFailure: 'TIMEOUT',
        deadlineAt: nextDeadline,
      })
      .expectSent({ topic: walletCommands, type: 'wallet.cancel-debit' });
  });

  it('when CANCELLING_DEBIT hears the debit cancelled, then the seat is given back', () => {
    given('CANCELLING_DEBIT', { pendingFailure: 'TIMEOUT' })
      .when({ type: 'wallet.debit-cancelled' })
      .expectState({ state: 'REVERTING', deadlineAt: nextDeadline })
      .expectSent({ topic: reservationCommands, type: 'reservation.revert-confirmation' });
  });

  it.each([
    ['CANCELLING_DEBIT', walletCommands, 'wallet.cancel-debit'],
    ['REVERTING', reservationCommands, 'reservation.revert-confirmation'],
    ['EXPIRING_TOKEN', queueCommands, 'queue.expire-token'],
  ] as const)(
    'when %s passes its deadline, then the same command is sent again on %s (it cannot fail for good)',
    (state, topic, type) => {
      given(state, { pendingFailure: state === 'EXPIRING_TOKEN' ? null : 'TIMEOUT' })
        .when({ type: 'deadline-passed' })
        .expectState({ deadlineAt: nextDeadline })
        .expectSent({ topic, type });
    },
  );

  it('when REVERTING hears the seat given back, then the payment FAILS with the failure it was waiting to declare', () => {
    given('REVERTING', { pendingFailure: 'INSUFFICIENT_BALANCE' })
      .when({ type: 'reservation.confirmation-reverted' })
      .expectState({
        status: 'FAILED',
        failureCode: 'INSUFFICIENT_BALANCE',
        state: 'ENDED',
        pendingFailure: null,
        deadlineAt: null,
      })
      .expectSent({
        topic: paymentEvents,
        type: 'payment.failed',
        data: { failureCode: 'INSUFFICIENT_BALANCE' },
      });
  });

  it('when EXPIRING_TOKEN hears the pass expired, then the saga is DONE and sends nothing', () => {
    given('EXPIRING_TOKEN')
      .when({ type: 'queue.token-expired' })
      .expectState({ state: 'DONE', deadlineAt: null })
      .expectSent();
  });

  it.each([
    ['CONFIRMING', { type: 'wallet.debited' }],
    ['DEBITING', { type: 'reservation.confirmed', price: 1 }],
    ['EXPIRING_TOKEN', { type: 'wallet.debit-rejected', reason: 'CANCELLED' }],
    ['DONE', { type: 'deadline-passed' }],
    ['ENDED', { type: 'queue.token-expired' }],
  ] as const)(
    'when %s hears a late or foreign %o, then nothing changes and nothing is sent',
    (state, event) => {
      given(state).when(event).expectIgnored();
    },
  );
});
