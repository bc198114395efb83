import { defineMessage } from './message';
import { z } from 'zod';
import { Krw, Uuid, UserId } from './common';
import { TOPICS } from './topics';

// Keyed by user: one wallet's commands and events stay in order.
const byUser = (d: { userId: string }) => d.userId;
const Amount = z.number().int().positive();

export const debitWallet = defineMessage({
  type: 'wallet.debit',
  version: 1,
  topic: TOPICS.walletCommands,
  key: byUser,
  schema: z.object({ paymentId: Uuid, userId: UserId, amount: Amount }),
});

export const cancelDebit = defineMessage({
  type: 'wallet.cancel-debit',
  version: 1,
  topic: TOPICS.walletCommands,
  key: byUser,
  schema: z.object({ paymentId: Uuid, userId: UserId }),
});

export const walletCharged = defineMessage({
  type: 'wallet.charged',
  version: 1,
  topic: TOPICS.walletEvents,
  key: byUser,
  schema: z.object({ userId: UserId, transactionId: Uuid, amount: Amount, balance: Krw }),
});

export const walletDebited = defineMessage({
  type: 'wallet.debited',
  version: 1,
  topic: TOPICS.walletEvents,
  key: byUser,
  schema: z.object({
    paymentId: Uuid,
    userId: UserId,
    transactionId: Uuid,
    amount: Amount,
    balance: Krw,
  }),
});

export const debitRejected = defineMessage({
  type: 'wallet.debit-rejected',
  version: 1,
  topic: TOPICS.walletEvents,
  key: byUser,
  schema: z.object({
    paymentId: Uuid,
    userId: UserId,
    amount: Amount,
    reason: z.enum(['INSUFFICIENT_BALANCE', 'CANCELLED']),
  }),
});

/** A debit of a payment was given back (compensation). */
export const walletRefunded = defineMessage({
  type: 'wallet.refunded',
  version: 1,
  topic: TOPICS.walletEvents,
  key: byUser,
  schema: z.object({
    paymentId: Uuid,
    userId: UserId,
    transactionId: Uuid,
    amount: Amount,
    balance: Krw,
  }),
});

/** Reply to wallet.cancel-debit: refunded if a debit had been applied, else blocked for later. */
export const debitCancelled = defineMessage({
  type: 'wallet.debit-cancelled',
  version: 1,
  topic: TOPICS.walletEvents,
  key: byUser,
  schema: z.object({
    paymentId: Uuid,
    userId: UserId,
    refundedAmount: Krw,
    transactionId: Uuid.nullable(),
  }),
});
