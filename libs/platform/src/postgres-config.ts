import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { env } from './config';
import { passwordOfUrl, secret } from './secrets';

const withDatabaseName = (serverUrl: string, database: string) => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/**
 * Connections in a service's pool unless DB_POOL_MAX says otherwise: as the production overlay
 * gives each service. Every active connection is a Postgres process: past a few per database
 * core, more of them cost the database CPU per statement (docs/benchmarks.md as of 1bfe3a5: 2.5 times the
 * journey's Postgres CPU at 20 per service than at 4, on two cores).
 */
export const DB_POOL_MAX_DEFAULT = 5;
/**
 * Connections a process holds outside its pool: the outbox relay's session (leadership, LISTEN)
 * and the notifications' LISTEN session. docs/operations.md's connection budget counts them.
 */
export const SESSION_CONNECTIONS_PER_PROCESS = 2;

/** A Postgres service's database (its own database on the server). */
export const postgresEnv = (database: string) => ({
  /** Its password is a secret: production mode refuses a URL without one, or an example. */
  DATABASE_URL: secret(
    env.url({
      default: withDatabaseName(LOCAL_DEFAULTS.postgresUrl, database),
      protocols: ['postgres', 'postgresql'],
    }),
    passwordOfUrl,
  ),
  DB_POOL_MAX: env.int({ default: DB_POOL_MAX_DEFAULT, min: 1, max: 200 }),
  /**
   * Migrate at start (serialised by an advisory lock). false where a migration step of its own
   * runs first with a login allowed to change the schema (deploy/k8s: the init container), so
   * the service's own login needs no DDL.
   */
  MIGRATE_ON_START: env.bool(true),
  /**
   * Statements as named prepared statements (parsed and planned once per connection). false
   * behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  DB_PREPARED_STATEMENTS: env.bool(true),
  /**
   * How long the inbox remembers a consumed message (a redelivery within it is recognised and
   * skipped). Redeliveries come from a consumer restarting at its last committed offset: minutes.
   * Default 7 days, Kafka's own default retention.
   */
  INBOX_RETENTION_MINUTES: env.int({ default: 7 * 24 * 60, min: 1 }),
  /** How often each instance deletes what its retention windows let go (bounded batches). */
  RETENTION_INTERVAL_MS: env.int({ default: 60_000, min: 100 }),
});
