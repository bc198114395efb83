import { wallet } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import { cancelDebitForPayment, debitForPayment } from '../../domain/saga-participant';

/** Topic → handler table of the wallet service. */
export function messageHandlers(): HandlerEntry<TxContext>[] {
  return [
    on(wallet.debitWallet, async ({ data }, ctx) => debitForPayment(data, ctx)),
    on(wallet.cancelDebit, async ({ data }, ctx) => cancelDebitForPayment(data, ctx)),
  ];
}
