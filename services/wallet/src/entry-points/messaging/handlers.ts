import { wallet } from '@ticketing/contracts';
import { enqueue, on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import {
  cancelDebitForPayment,
  debitForPayment,
  debitForPaymentAlone,
} from '../../domain/saga-participant';
import type { WalletRepositories } from '../../domain/repositories';

/**
 * Topic → handler table of the wallet service. The domain returns what it answers; the handler
 * writes it to the outbox in the consumer's transaction (with the inbox record and the effect).
 */
export function messageHandlers(repositories: WalletRepositories): HandlerEntry<TxContext>[] {
  return [
    on(
      wallet.debitWallet,
      async ({ data }, { tx }) => enqueue(tx, await debitForPayment(data, tx, repositories)),
      // Tried first: a payment's first debit is one statement, with its inbox record and reply.
      ({ data }, ctx) => debitForPaymentAlone(data, ctx, repositories),
    ),
    on(wallet.cancelDebit, async ({ data }, { tx }) =>
      enqueue(tx, await cancelDebitForPayment(data, tx, repositories)),
    ),
  ];
}
