import {
  queue,
  reservation,
  wallet,
  type DataOf,
  type MessageContract,
} from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { SagaDriver } from '../../domain/saga-driver';
import type { SagaEvent } from '../../domain/saga';

/** Topic → handler table: each reply becomes a saga event for the saga its correlation id names. */
export function messageHandlers(saga: SagaDriver): HandlerEntry<TxContext>[] {
  const reply = <C extends MessageContract>(contract: C, toEvent: (data: DataOf<C>) => SagaEvent) =>
    on<C['schema'], TxContext>(
      contract,
      async (m, { tx }) => saga.onReply(tx, m.correlationId, toEvent(m.data as DataOf<C>), m.id),
      // Tried first: one statement when the saga is as this process last left it.
      (m, ctx) => saga.onReplyAlone(m.correlationId, toEvent(m.data as DataOf<C>), m.id, ctx),
    );
  return [
    reply(reservation.reservationConfirmed, (d) => ({
      type: 'reservation.confirmed',
      price: d.price,
    })),
    reply(reservation.confirmRejected, (d) => ({
      type: 'reservation.confirm-rejected',
      reason: d.reason,
    })),
    reply(reservation.confirmationReverted, () => ({ type: 'reservation.confirmation-reverted' })),
    reply(wallet.walletDebited, () => ({ type: 'wallet.debited' })),
    reply(wallet.debitRejected, (d) => ({ type: 'wallet.debit-rejected', reason: d.reason })),
    reply(wallet.debitCancelled, () => ({ type: 'wallet.debit-cancelled' })),
    reply(queue.tokenExpired, () => ({ type: 'queue.token-expired' })),
  ];
}
