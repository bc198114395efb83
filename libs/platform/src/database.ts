import type { Knex } from 'knex';
import type pg from 'pg';
import { statementName } from './postgres';

/**
 * A statement straight on a pg connection: prepared under a name (parsed and planned once per
 * connection), without knex's query builder and runner in between. For the few statements every
 * request or message runs (the hot paths: inbox, outbox, saga steps); the rest use knex.
 */
async function run<R>(
  connection: pg.ClientBase,
  sql: string,
  params: unknown[],
  prepare: boolean,
): Promise<R[]> {
  const result = await connection.query<R & pg.QueryResultRow>(
    prepare && params.length > 0
      ? { name: statementName(sql), text: sql, values: params }
      : { text: sql, values: params },
  );
  return result.rows;
}

/**
 * A service's database: its pool. Use cases only open transactions with it; repositories (the
 * data-access layer) and the messaging library reach the knex handle inside (ADR 0008).
 */
export class Database {
  constructor(
    readonly knex: Knex,
    /** Statements run by `query` are prepared by name (false behind a pooler that cannot). */
    readonly preparedStatements = true,
  ) {}

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => work(new Transaction(trx, this.preparedStatements)));
  }

  /** One statement on a pooled connection (autocommit); its rows. */
  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    const client = this.knex.client as {
      acquireConnection(): Promise<pg.ClientBase>;
      releaseConnection(connection: pg.ClientBase): Promise<void>;
    };
    const connection = await client.acquireConnection();
    try {
      return await run<R>(connection, sql, params, this.preparedStatements);
    } finally {
      await client.releaseConnection(connection);
    }
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
  private connection?: pg.ClientBase;

  constructor(
    readonly knex: Knex.Transaction,
    private readonly preparedStatements = true,
  ) {}

  /** One statement in this transaction; its rows. */
  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    this.connection ??= await (
      this.knex.client as { acquireConnection(): Promise<pg.ClientBase> }
    ).acquireConnection();
    return run<R>(this.connection, sql, params, this.preparedStatements);
  }

  /** `fn` runs once the transaction has committed; never if it rolls back. */
  afterCommit(fn: () => void): void {
    this.knex.executionPromise.then(fn, () => undefined);
  }
}

/** What a repository reads and writes through: the pool, or a transaction. */
export type Queryable = Database | Transaction;
