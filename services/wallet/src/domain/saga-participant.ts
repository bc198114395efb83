import { wallet as contracts, type DataOf } from '@ticketing/contracts';
import { randomUUID } from 'node:crypto';
import { buildMessage, type OutgoingMessage, type StatementContext } from '@ticketing/messaging';
import type { Transaction } from '@ticketing/platform';
import type { Debit } from './ledger';
import type { WalletRepositories, WalletRepository } from './repositories';

type DebitCommand = DataOf<typeof contracts.debitWallet>;

// Replies belong to the command's conversation: buildMessage takes its correlation id from the
// context the consumer runs the handler in.
const FROM_WALLET = { source: 'wallet' };

/** The answer a debit has, whenever it is asked again (`balance`: known, or read). */
async function answer(
  debit: Debit,
  cmd: DebitCommand,
  repo: WalletRepository,
  balance?: number,
): Promise<OutgoingMessage> {
  if (debit.status === 'APPLIED') {
    return buildMessage(
      contracts.walletDebited,
      {
        paymentId: debit.paymentId,
        userId: debit.userId,
        transactionId: debit.transactionId!,
        amount: debit.amount,
        balance: balance ?? (await repo.balance(debit.userId)),
      },
      FROM_WALLET,
    );
  }
  return buildMessage(
    contracts.debitRejected,
    {
      paymentId: cmd.paymentId,
      userId: cmd.userId,
      amount: cmd.amount,
      reason: debit.status === 'REJECTED' ? 'INSUFFICIENT_BALANCE' : 'CANCELLED',
    },
    FROM_WALLET,
  );
}

/**
 * wallet.debit: takes the price once per payment (the debits table is keyed by payment), or
 * refuses without changing anything. A payment cancelled before its debit arrived is refused.
 * Returns the reply; the entry point writes it to the outbox in the same transaction.
 */
export async function debitForPayment(
  cmd: DebitCommand,
  tx: Transaction,
  repositories: WalletRepositories,
): Promise<OutgoingMessage[]> {
  const repo = repositories.wallets(tx);
  const existing = await repo.findDebit(cmd.paymentId, true);
  if (existing) return [await answer(existing, cmd, repo)];
  const { debit, balance } = await repo.debitForPayment(cmd.paymentId, cmd.userId, cmd.amount);
  return [await answer(debit, cmd, repo, balance ?? undefined)];
}

/**
 * wallet.debit in one statement, when it is the payment's first (no transaction): the debit or
 * its refusal, the command's inbox record and the reply. Undefined when the payment had a debit
 * already or the command was handled before, with nothing written: the command then takes
 * `debitForPayment`'s transaction, which answers as it answered before.
 */
export async function debitForPaymentAlone(
  cmd: DebitCommand,
  { inbox, db }: StatementContext,
  repositories: WalletRepositories,
): Promise<'applied' | undefined> {
  const { paymentId, userId, amount } = cmd;
  const transactionId = randomUUID();
  const replies = {
    // Its balance is the one after the debit: the store writes it in (0 only stands for it).
    debited: buildMessage(
      contracts.walletDebited,
      { paymentId, userId, transactionId, amount, balance: 0 },
      FROM_WALLET,
    ),
    rejected: buildMessage(
      contracts.debitRejected,
      { paymentId, userId, amount, reason: 'INSUFFICIENT_BALANCE' },
      FROM_WALLET,
    ),
  };
  const debit = { paymentId, userId, amount, transactionId };
  const status = await repositories.wallets(db).debitForPaymentRecorded(debit, replies, inbox);
  return status && 'applied';
}

/**
 * wallet.cancel-debit (compensation): refunds the payment's debit if it was applied, and blocks
 * a debit that has not arrived yet. Always acknowledged with wallet.debit-cancelled, after
 * wallet.refunded when money went back.
 */
export async function cancelDebitForPayment(
  cmd: DataOf<typeof contracts.cancelDebit>,
  tx: Transaction,
  repositories: WalletRepositories,
): Promise<OutgoingMessage[]> {
  const repo = repositories.wallets(tx);
  const messages: OutgoingMessage[] = [];
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
    messages.push(
      buildMessage(
        contracts.walletRefunded,
        {
          paymentId: debit.paymentId,
          userId: debit.userId,
          transactionId: refundId,
          amount: debit.amount,
          balance,
        },
        FROM_WALLET,
      ),
    );
  }
  messages.push(
    buildMessage(
      contracts.debitCancelled,
      {
        paymentId: cmd.paymentId,
        userId: cmd.userId,
        refundedAmount: debit.status === 'REFUNDED' ? debit.amount : 0,
        transactionId: debit.refundTransactionId,
      },
      FROM_WALLET,
    ),
  );
  return messages;
}
