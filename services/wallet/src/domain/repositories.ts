import type { Queryable } from '@ticketing/platform';
import type { IdempotencyKeys, WalletRepository } from '../data-access/wallet-repository';

/**
 * The wallet's repositories over the pool or a transaction: the use cases are handed these
 * factories (wired in start.ts) rather than constructing repositories, so a test can hand them
 * its own (ADR 0008).
 */
export interface WalletRepositories {
  wallets(on: Queryable): WalletRepository;
  keys(on: Queryable): IdempotencyKeys;
}
