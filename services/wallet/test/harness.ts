import { wallet as contracts } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import type { Knex } from '@ticketing/platform';
import {
  Deployment,
  RACE_DB_POOL_MAX,
  serviceUnderTest,
  fileTopics,
  identityToken,
} from '@ticketing/testing';
import { loadServiceConfig } from '../src/config';
import { ledgerBalance } from '../src/domain/amounts';
import { start, type WalletServiceHandle } from '../src/start';

export const topicNamespace = fileTopics;

const wallet = serviceUnderTest('wallet', loadServiceConfig, start, {
  environment: async () => ({ DB_POOL_MAX: RACE_DB_POOL_MAX }),
});

/** One wallet deployment: its database and any number of instances, like INSTANCES=n. */
export class WalletDeployment extends Deployment<WalletServiceHandle> {
  static async create(): Promise<WalletDeployment> {
    return new WalletDeployment(wallet, await Deployment.databaseFor(wallet));
  }

  /** The invariant: the stored balance is the ledger's sum, and neither is ever negative. */
  expectBalanceIsLedgerSum = (userId: string) => expectBalanceIsLedgerSum(this.db, userId);
}

/** A charge of `userId`'s wallet with that user's identity token (the wallet's owner). */
export async function charge(
  baseUrl: string,
  userId: string,
  amount: unknown,
  key?: string,
  identity?: string,
) {
  const res = await fetch(`${baseUrl}/wallets/${encodeURIComponent(userId)}/charges`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${identity ?? (await identityToken(userId))}`,
      ...(key && { 'idempotency-key': key }),
    },
    body: JSON.stringify({ amount }),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

/** A GET with `userId`'s identity token. */
export async function getAs(url: string, userId: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${await identityToken(userId)}` } });
}

/** The invariant: the stored balance is the ledger's sum, and neither is ever negative. */
export async function expectBalanceIsLedgerSum(db: Knex, userId: string): Promise<number> {
  const entries = (await db('ledger').where({ user_id: userId }).orderBy('seq')) as {
    type: 'CHARGE' | 'DEBIT' | 'REFUND';
    amount: number;
    balance_after: number;
  }[];
  const row = (await db('wallets').where({ user_id: userId }).first()) as
    { balance: number } | undefined;
  const balance = row?.balance ?? 0;
  expect(balance).toBe(ledgerBalance(entries));
  expect(balance).toBeGreaterThanOrEqual(0);
  let running = 0;
  for (const e of entries) {
    running += e.type === 'DEBIT' ? -e.amount : e.amount;
    expect(e.balance_after).toBe(running); // each row's balanceAfter is the running sum
    expect(running).toBeGreaterThanOrEqual(0);
  }
  return balance;
}

/** The payment saga's commands to the wallet, as the payment service sends them. */
export const debitCommand = (paymentId: string, userId: string, amount: number) =>
  buildMessage(
    contracts.debitWallet,
    { paymentId, userId, amount },
    { source: 'payment', correlationId: paymentId },
  );

export const cancelCommand = (paymentId: string, userId: string) =>
  buildMessage(
    contracts.cancelDebit,
    { paymentId, userId },
    { source: 'payment', correlationId: paymentId },
  );
