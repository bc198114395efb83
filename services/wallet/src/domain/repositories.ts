import type { InboxRecord, OutgoingMessage } from '@ticketing/messaging';
import type { Queryable } from '@ticketing/platform';
import type { Debit, EntryType, LedgerEntry } from './ledger';

/**
 * Balances, the ledger and payments' debits (data-access implements it over Postgres). Balances
 * move only through single conditional writes: the store orders concurrent changes, and never
 * lets a balance go below 0.
 */
export interface WalletRepository {
  /**
   * A charge, its ledger entry and the messages that announce it (their `balance` set to the
   * balance after it), in one write: the balance, or null when it would pass `maxBalance`
   * (nothing is written then). With `kept`, the charge is also kept as the first answer under
   * that Idempotency-Key, in the same write; a key already kept makes the store refuse all of
   * it (see `IdempotencyKeys.isKeyTaken`).
   */
  charge(
    charge: { userId: string; amount: number; transactionId: string },
    maxBalance: number | null,
    announce: OutgoingMessage[],
    kept?: { key: string; requestHash: string },
  ): Promise<number | null>;
  /** Adds to a wallet (creating it) unless the balance would pass `maxBalance`; null then. */
  credit(userId: string, amount: number, maxBalance: number | null): Promise<number | null>;
  /**
   * A payment's debit: the amount taken if the wallet holds enough (APPLIED, with its ledger
   * entry), else REJECTED and nothing else changed; the balance after it (null when rejected).
   */
  debitForPayment(
    paymentId: string,
    userId: string,
    amount: number,
  ): Promise<{ debit: Debit; balance: number | null }>;
  /**
   * A payment's first debit in one statement, with the inbox record of the command that asked
   * for it and the one reply that fits: `debited` (its `balance` set to the balance after it)
   * when the wallet held enough, else `rejected`. 'APPLIED' or 'REJECTED'; undefined when the
   * payment had a debit already or the command was handled before (nothing written then).
   */
  debitForPaymentRecorded(
    debit: { paymentId: string; userId: string; amount: number; transactionId: string },
    replies: { debited: OutgoingMessage; rejected: OutgoingMessage },
    inbox: InboxRecord,
  ): Promise<'APPLIED' | 'REJECTED' | undefined>;
  /** A ledger line; its transaction id. */
  record(
    userId: string,
    entry: { type: EntryType; amount: number; balanceAfter: number; paymentId?: string },
  ): Promise<string>;
  balance(userId: string): Promise<number>;
  /** Newest first; `before` is the seq of the last entry of the previous page. */
  entries(userId: string, limit: number, before?: number): Promise<LedgerEntry[]>;
  findDebit(paymentId: string, lock?: boolean): Promise<Debit | undefined>;
  insertDebit(d: Debit): Promise<void>;
  markRefunded(paymentId: string, refundTransactionId: string): Promise<void>;
}

/**
 * The first answer to a charge under an Idempotency-Key, given again to every replay: the
 * charge (200), or the refusal as its code, detail and extra members.
 */
export interface FirstAnswer {
  status: number;
  body: unknown;
}

/** A charge's Idempotency-Key as kept: which request it names, and its first answer once given. */
export interface KeyRecord {
  requestHash: string;
  status: 'IN_PROGRESS' | 'DONE';
  answer?: FirstAnswer;
}

/** Idempotency keys of charges: claimed first, completed with the first answer, kept ≥ 24 h. */
export interface IdempotencyKeys {
  /** True if this request now owns the key. */
  claim(userId: string, key: string, requestHash: string): Promise<boolean>;
  find(userId: string, key: string): Promise<KeyRecord | undefined>;
  /** Takes over a key whose first request died mid-way (IN_PROGRESS for too long). */
  takeOverStale(userId: string, key: string, staleAfterSeconds: number): Promise<boolean>;
  complete(userId: string, key: string, answer: FirstAnswer): Promise<void>;
  release(userId: string, key: string): Promise<void>;
  /** Whether a failed write broke the rule of one record per user and key. */
  isKeyTaken(err: unknown): boolean;
  /** Forgets keys older than `hours`; how many went. */
  purgeOlderThan(hours: number): Promise<number>;
}

/**
 * The wallet's repositories over the pool or a transaction: the use cases are handed these
 * factories (wired in start.ts) rather than constructing repositories, so a test can hand them
 * its own (ADR 0008).
 */
export interface WalletRepositories {
  wallets(on: Queryable): WalletRepository;
  keys(on: Queryable): IdempotencyKeys;
}
