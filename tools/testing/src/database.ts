import { Database, type Knex, type Migration, type Transaction } from '@ticketing/platform';
import {
  createDb,
  dropDatabase,
  ensureDatabase,
  migrate,
  withDatabase,
} from '@ticketing/platform/wiring';
import { testInfra } from './env';
import { randomSuffix } from './ids';

/**
 * A database of its own for one test file: tables, outbox and relay leadership unshared. On the
 * test run's server, or on `serverUrl` (a production shape's rw address).
 */
export async function createTestDatabase(
  prefix: string,
  serverUrl = testInfra().postgresUrl,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = withDatabase(serverUrl, `test_${prefix}_${randomSuffix()}`);
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}

/**
 * A migrated database of a service's own, opened as its use cases and handlers use it, with no
 * service started: for tests that call the domain or deliver messages without a broker.
 */
export async function migratedTestDatabase(
  prefix: string,
  migrations: Record<string, Migration>,
): Promise<{ db: Database; knex: Knex; drop: () => Promise<void> }> {
  const database = await createTestDatabase(prefix);
  const knex = createDb({ url: database.url, applicationName: 'test' });
  await migrate(knex, migrations);
  return {
    db: new Database(knex),
    knex,
    drop: async () => {
      await knex.destroy();
      await database.drop();
    },
  };
}

/**
 * A pool on `url` as a service opens it, whose statements are counted in `statements`: knex's
 * queries, `query`'s statements, and each transaction begun as 'BEGIN' (a transaction's own
 * BEGIN and COMMIT are not knex query events). For tests that prove how many round trips a use
 * case takes.
 */
export function countedDatabase(url: string): {
  db: Database;
  statements: string[];
  destroy: () => Promise<void>;
} {
  const knex = createDb({ url, applicationName: 'test-counted' });
  const statements: string[] = [];
  knex.on('query', (q: { sql: string }) => statements.push(q.sql));
  const db = new (class extends Database {
    override query<R>(sql: string, params?: unknown[]): Promise<R[]> {
      statements.push(sql);
      return super.query<R>(sql, params);
    }
    override transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
      statements.push('BEGIN');
      return super.transaction(work);
    }
  })(knex);
  return { db, statements, destroy: () => knex.destroy() };
}
