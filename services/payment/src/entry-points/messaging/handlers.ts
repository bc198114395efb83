import { queue, reservation, wallet } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { Payments } from '../../domain/payments';

/** Topic → handler table: the saga's replies, matched to their saga by correlation id. */
export function messageHandlers(payments: Payments): HandlerEntry<TxContext>[] {
  return [
    on(reservation.reservationConfirmed, async (m, { trx }) =>
      payments.onReply(
        trx,
        m.correlationId,
        { type: 'reservation.confirmed', price: m.data.price },
        m.id,
      ),
    ),
    on(reservation.confirmRejected, async (m, { trx }) =>
      payments.onReply(
        trx,
        m.correlationId,
        { type: 'reservation.confirm-rejected', reason: m.data.reason },
        m.id,
      ),
    ),
    on(reservation.confirmationReverted, async (m, { trx }) =>
      payments.onReply(trx, m.correlationId, { type: 'reservation.confirmation-reverted' }, m.id),
    ),
    on(wallet.walletDebited, async (m, { trx }) =>
      payments.onReply(trx, m.correlationId, { type: 'wallet.debited' }, m.id),
    ),
    on(wallet.debitRejected, async (m, { trx }) =>
      payments.onReply(
        trx,
        m.correlationId,
        { type: 'wallet.debit-rejected', reason: m.data.reason },
        m.id,
      ),
    ),
    on(wallet.debitCancelled, async (m, { trx }) =>
      payments.onReply(trx, m.correlationId, { type: 'wallet.debit-cancelled' }, m.id),
    ),
    on(queue.tokenExpired, async (m, { trx }) =>
      payments.onReply(trx, m.correlationId, { type: 'queue.token-expired' }, m.id),
    ),
  ];
}
