import { payment, queue, reservation, wallet } from '@ticketing/contracts';
import { buildMessage, type OutgoingMessage } from '@ticketing/messaging';
import type { Saga } from './payment';
import type { SagaCommand } from './saga';

const SOURCE = 'payment';

/** The message a saga command becomes; correlation = the payment id, so replies find the saga. */
export function messageFor(command: SagaCommand, saga: Saga): OutgoingMessage {
  const meta = { source: SOURCE, correlationId: saga.paymentId };
  const { paymentId, reservationId, userId } = saga;
  switch (command.type) {
    case 'reservation.confirm':
      return buildMessage(
        reservation.confirmReservation,
        { reservationId, userId, paymentId, concertId: saga.concertId },
        meta,
      );
    case 'reservation.revert-confirmation':
      return buildMessage(reservation.revertConfirmation, { reservationId, paymentId }, meta);
    case 'wallet.debit':
      return buildMessage(wallet.debitWallet, { paymentId, userId, amount: command.amount }, meta);
    case 'wallet.cancel-debit':
      return buildMessage(wallet.cancelDebit, { paymentId, userId }, meta);
    case 'queue.expire-token':
      return buildMessage(
        queue.expireToken,
        { tokenId: saga.tokenId, userId, concertId: saga.concertId, paymentId },
        meta,
      );
    case 'payment.completed':
      return buildMessage(
        payment.paymentCompleted,
        { paymentId, reservationId, userId, amount: saga.amount ?? 0 },
        meta,
      );
    case 'payment.failed':
      return buildMessage(
        payment.paymentFailed,
        { paymentId, reservationId, userId, failureCode: saga.failureCode ?? 'TIMEOUT' },
        meta,
      );
  }
}
