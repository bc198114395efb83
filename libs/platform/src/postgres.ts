/**
 * Postgres through its drivers: the knex pool a service opens (prepared statements, dropped
 * connections), its migrations, and the databases on the server. What a use case holds is in
 * `database.ts` (a `Database` and its `Transaction`s).
 */
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { DB_ACQUIRE_TIMEOUT_MS, statementName } from './database';

export type { Knex } from 'knex';

// BIGINT (20) and NUMERIC sums come back as strings by default; our amounts stay far below
// 2^53 KRW, so numbers are safe and far more pleasant.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface DbOptions {
  url: string;
  /** Shows in pg_stat_activity: which service and instance holds a connection. */
  applicationName: string;
  poolMax?: number;
  /**
   * Statements with parameters run as named prepared statements: Postgres parses and plans each
   * one once per connection instead of at every call (less CPU per transaction: the saga's
   * figures in docs/benchmarks.md assume it). False behind a pooler that cannot keep prepared statements
   * (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

interface CompiledQuery {
  sql: string;
  bindings?: unknown[];
  options?: Record<string, unknown>;
}

const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

// knex's own Postgres client (knex ships no types for its dialect modules).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KnexPgClient = require('knex/lib/dialects/postgres') as new (config: Knex.Config) => {
  _query(connection: unknown, obj: CompiledQuery): Promise<unknown>;
  acquireRawConnection(): Promise<unknown>;
};

/**
 * knex's Postgres client, whose failures to connect carry SQLSTATE 08001
 * (sqlclient_unable_to_establish_sqlconnection): pg rejects a connection that a proxy accepted
 * and then closed (no server behind it, as during a failover) with an error without a code.
 */
class ConnectingClient extends KnexPgClient {
  override async acquireRawConnection(): Promise<unknown> {
    try {
      return await super.acquireRawConnection();
    } catch (err) {
      if (err instanceof Error && CUT_WHILE_CONNECTING.test(err.message))
        markConnectionFailure(err, '08001');
      throw err;
    }
  }
}

/**
 * What pg says, with no code, when the connection went away before the server answered (a
 * proxy with no server behind it, a connect timeout). A configuration error (a malformed URL, an
 * authentication pg cannot speak) stays unmarked: it is not transient, and should not be
 * retried as if it were.
 */
const CUT_WHILE_CONNECTING = /^(Connection terminated|Connection ended|timeout expired)/;

/** knex's Postgres client, preparing every statement that has parameters under a name. */
class PreparingClient extends ConnectingClient {
  override _query(connection: unknown, obj: CompiledQuery): Promise<unknown> {
    if (obj.bindings?.length && !obj.options?.name && PREPARABLE.test(obj.sql))
      obj.options = { ...obj.options, name: statementName(obj.sql) };
    return super._query(connection, obj);
  }
}

/**
 * pg fails the queries of a connection that died under them ("Connection terminated
 * unexpectedly") with an error without a code, the same object it then emits as the client's
 * `error` event, before those queries see it. Giving it SQLSTATE 08006 (connection_failure)
 * there lets `isTransientInfraError` judge it by code, as it judges the server's own errors.
 */
function markConnectionFailure(err: Error & { code?: string }, code = '08006'): void {
  err.code ??= code;
}

export function createDb(options: DbOptions): Knex {
  return knexFactory({
    client: (options.preparedStatements === false ? ConnectingClient : PreparingClient) as never,
    connection: { connectionString: options.url, application_name: options.applicationName },
    pool: {
      min: 0,
      max: options.poolMax ?? 10,
      // Idle connections are closed after 30 s; looking for them every 10 s instead of every
      // second is one wake-up less per second for an idle service (ADR 0009).
      reapIntervalMillis: 10_000,
      // A connection killed by the server (pg_terminate_backend, failover) is dropped from
      // the pool instead of failing the next query with it.
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
        conn.on('error', (err: Error) => markConnectionFailure(err));
        done(null, conn);
      },
    },
    acquireConnectionTimeout: DB_ACQUIRE_TIMEOUT_MS,
  });
}

export interface Migration {
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/**
 * Runs a service's migrations, listed in code (name → module) so they work the same from
 * TypeScript sources in tests and from compiled JavaScript in production.
 *
 * Instances starting together (replicas of a Deployment) take turns: knex's own lock only
 * covers the migrations, not the creation of its bookkeeping tables, which two fresh starts
 * race. A session advisory lock on a connection of its own (outside the pool, so a pool of
 * one still has a connection to migrate with) serialises the whole run.
 */
export async function migrate(db: Knex, migrations: Record<string, Migration>): Promise<string[]> {
  const { connectionString } = db.client.config.connection as { connectionString: string };
  const lock = new pg.Client({ connectionString, application_name: 'migration-lock' });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    return await migrateLatest(db, migrations);
  } finally {
    await lock.end(); // ends the session, and with it the lock
  }
}

// An arbitrary constant of this project's; the outbox relay's leadership uses another.
const MIGRATION_LOCK = 727_001;

async function migrateLatest(db: Knex, migrations: Record<string, Migration>): Promise<string[]> {
  const source: Knex.MigrationSource<string> = {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const m = migrations[name]!;
      return { up: m.up, down: m.down ?? (async () => undefined) };
    },
  };
  const [, applied] = (await db.migrate.latest({ migrationSource: source })) as [number, string[]];
  return applied;
}

/** Creates the database named in `url` if it does not exist (safe to race). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[\w-]+$/.test(name)) throw new Error(`unsafe database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      try {
        await client.query(`create database "${name}"`);
      } catch (e) {
        // 42P04 duplicate_database / 23505: another process created it first.
        const code = (e as { code?: string }).code;
        if (code !== '42P04' && code !== '23505') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/** Replace the database name of a Postgres URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
