import { wallet as contracts, type DataOf } from '@ticketing/contracts';
import type { TxContext } from '@ticketing/messaging';
import { WalletRepository } from '../data-access/wallet-repository';
import type { Debit } from './ledger';

type DebitCommand = DataOf<typeof contracts.debitWallet>;

/** The answer a debit has, whenever it is asked again (`balance`: known, or read). */
async function answer(
  debit: Debit,
  cmd: DebitCommand,
  ctx: TxContext,
  repo: WalletRepository,
  balance?: number,
): Promise<void> {
  if (debit.status === 'APPLIED') {
    return ctx.send(contracts.walletDebited, {
      paymentId: debit.paymentId,
      userId: debit.userId,
      transactionId: debit.transactionId!,
      amount: debit.amount,
      balance: balance ?? (await repo.balance(debit.userId)),
    });
  }
  const reason = debit.status === 'REJECTED' ? 'INSUFFICIENT_BALANCE' : 'CANCELLED';
  return ctx.send(contracts.debitRejected, {
    paymentId: cmd.paymentId,
    userId: cmd.userId,
    amount: cmd.amount,
    reason,
  });
}

/**
 * wallet.debit: takes the price once per payment (the debits table is keyed by payment), or
 * refuses without changing anything. A payment cancelled before its debit arrived is refused.
 */
export async function debitForPayment(cmd: DebitCommand, ctx: TxContext): Promise<void> {
  const repo = new WalletRepository(ctx.tx);
  const existing = await repo.findDebit(cmd.paymentId, true);
  if (existing) return answer(existing, cmd, ctx, repo);
  const { debit, balance } = await repo.debitForPayment(cmd.paymentId, cmd.userId, cmd.amount);
  await answer(debit, cmd, ctx, repo, balance ?? undefined);
}

/**
 * wallet.cancel-debit (compensation): refunds the payment's debit if it was applied, and blocks
 * a debit that has not arrived yet. Always acknowledged with wallet.debit-cancelled.
 */
export async function cancelDebitForPayment(
  cmd: DataOf<typeof contracts.cancelDebit>,
  ctx: TxContext,
): Promise<void> {
  const repo = new WalletRepository(ctx.tx);
  let debit = await repo.findDebit(cmd.paymentId, true);
  if (!debit) {
    debit = {
      paymentId: cmd.paymentId,
      userId: cmd.userId,
      amount: 0,
      status: 'BLOCKED',
      transactionId: null,
      refundTransactionId: null,
    };
    await repo.insertDebit(debit);
  } else if (debit.status === 'APPLIED') {
    const balance = (await repo.credit(debit.userId, debit.amount, null))!; // a refund is never refused
    const refundId = await repo.record(debit.userId, {
      type: 'REFUND',
      amount: debit.amount,
      balanceAfter: balance,
      paymentId: debit.paymentId,
    });
    await repo.markRefunded(debit.paymentId, refundId);
    debit = { ...debit, status: 'REFUNDED', refundTransactionId: refundId };
    await ctx.send(contracts.walletRefunded, {
      paymentId: debit.paymentId,
      userId: debit.userId,
      transactionId: refundId,
      amount: debit.amount,
      balance,
    });
  }
  await ctx.send(contracts.debitCancelled, {
    paymentId: cmd.paymentId,
    userId: cmd.userId,
    refundedAmount: debit.status === 'REFUNDED' ? debit.amount : 0,
    transactionId: debit.refundTransactionId,
  });
}
