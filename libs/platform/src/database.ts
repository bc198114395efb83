import type { Knex } from 'knex';

/**
 * A service's database: its pool. Use cases only open transactions with it; repositories (the
 * data-access layer) and the messaging library reach the knex handle inside (ADR 0008).
 */
export class Database {
  constructor(readonly knex: Knex) {}

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => work(new Transaction(trx)));
  }

  ping(): Promise<unknown> {
    return this.knex.raw('select 1');
  }

  destroy(): Promise<void> {
    return this.knex.destroy();
  }
}

/** One transaction of a use case: repositories and the outbox write through it. */
export class Transaction {
  constructor(readonly knex: Knex.Transaction) {}

  /** `fn` runs once the transaction has committed; never if it rolls back. */
  afterCommit(fn: () => void): void {
    this.knex.executionPromise.then(fn, () => undefined);
  }
}

/** What a repository reads and writes through: the pool, or a transaction. */
export type Executor = Database | Transaction;
