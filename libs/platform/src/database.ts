// Types only from the drivers: a process that never opens a database (the gateway) does not
// load them by importing this library's main entry point.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type pg from 'pg';

/**
 * How long a query waits for a pooled connection before it fails (503 over HTTP, a retry for a
 * consumer): below the gateway's hold, so a request that met a failover is answered and then
 * sent again within it.
 */
export const DB_ACQUIRE_TIMEOUT_MS = 10_000;

// One name per statement text, remembered for the texts a service uses (a handful of dozens;
// statements with a varying number of rows are bounded by their batch sizes).
const statementNames = new Map<string, string>();
const NAMED_TEXTS_MAX = 10_000;

/** The name a statement text is prepared under (the same on every connection). */
export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    if (statementNames.size < NAMED_TEXTS_MAX) statementNames.set(sql, name);
  }
  return name;
}

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

  /**
   * Who, in this process, wants to know at once that a transaction which wrote to a table has
   * committed (the outbox relay: ADR 0002), by table.
   */
  private readonly committedWatchers = new Map<string, CommitWatcher>();

  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) =>
      work(new Transaction(trx, this.preparedStatements, this.committedWatchers)),
    );
  }

  /**
   * `watcher` is told after every commit of a transaction of this process that wrote `table`
   * (`tx.wrote(table)`), while `watcher.watching` says it listens. Replaces an earlier watcher.
   */
  watchCommits(table: string, watcher: CommitWatcher): void {
    this.committedWatchers.set(table, watcher);
  }

  /** The watcher of `table` while it listens (for a statement run on the pool: autocommit). */
  commitWatcher(table: string): CommitWatcher | undefined {
    const watcher = this.committedWatchers.get(table);
    return watcher?.watching ? watcher : undefined;
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

/** Told, in process, that a transaction which wrote its table has committed. */
export interface CommitWatcher {
  /** False while it cannot act on it (then the writer tells it some other way). */
  readonly watching: boolean;
  committed(): void;
}

/** One transaction of a use case: repositories and the outbox write through it. */
export class Transaction {
  private connection?: pg.ClientBase;
  private readonly told = new Set<string>();

  constructor(
    readonly knex: Knex.Transaction,
    private readonly preparedStatements = true,
    private readonly watchers: ReadonlyMap<string, CommitWatcher> = new Map(),
  ) {}

  /**
   * This transaction writes `table`: true when a watcher in this process will be told once it
   * commits (so the writer need not tell anyone else), false when none listens.
   */
  wrote(table: string): boolean {
    const watcher = this.watchers.get(table);
    if (!watcher?.watching) return false;
    if (!this.told.has(table)) {
      this.told.add(table);
      this.afterCommit(() => watcher.committed());
    }
    return true;
  }

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

/**
 * A row version's mark, as SQL over the row of `alias` (none: the statement's only table): the
 * transaction that wrote it (`xmin`) and where (`ctid`). Any update of the row, by any writer,
 * writes a new version elsewhere, so the mark changes even when one transaction updates the row
 * twice; no column to keep up to date. Compared in an update's `WHERE`, it stands for the lock a
 * transaction would have held between reading the row and writing it (ADR 0035).
 */
export function rowRevision(alias?: string): string {
  const of = alias ? `${alias}.` : '';
  return `(${of}xmin::text || ${of}ctid::text)`;
}

/** What a repository reads and writes through: the pool, or a transaction. */
export type Queryable = Database | Transaction;

/**
 * `fn` runs once what was just written through `executor` has committed: at once after a
 * statement on the pool (autocommit), at the commit of a transaction (never if it rolls back).
 */
export function whenCommitted(executor: Queryable, fn: () => void): void {
  if (executor instanceof Transaction) executor.afterCommit(fn);
  else fn();
}
