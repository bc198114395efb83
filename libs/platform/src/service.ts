import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createMetricsRegistry } from './metrics';
import { Database } from './database';
import { createDb, migrate, type Migration } from './postgres';
import { createHttpApp, type HttpApp, type ReadinessCheck } from './http/app';
import type { TypedRoutes } from './http/routes';
import { listen } from './http/server';
import { ConfigError, loadConfig } from './config';
import { postgresEnv } from './postgres-config';
import { EXIT_CONFIG, StopList, type ServiceHandle } from './lifecycle';
import { createLogger } from './logger';

/** What a service's wiring gets: its logger, metrics and the list its parts register to stop. */
export interface ServiceKit {
  service: string;
  instanceId: string;
  logger: Logger;
  metrics: Registry;
  stops: StopList;
}

export interface ServiceParts<H> {
  routes: (app: HttpApp) => TypedRoutes;
  readiness?: Record<string, ReadinessCheck>;
  /** OpenAPI security schemes of the routes' authenticators. */
  securitySchemes?: () => Record<string, unknown>;
  /** Stopped before the HTTP server closes (long-lived requests: SSE, waits). */
  beforeHttpStop?: [string, () => Promise<unknown>][];
  /** Extra members for the handle (tests reach the domain through them). */
  handle?: H;
}

/**
 * The part every service's start() shares: logger, metrics and stop list, the service's own
 * wiring, then the HTTP app on its port. A failed start stops what had started.
 */
export async function runService<H extends object = object>(
  options: {
    service: string;
    instanceId: string;
    logLevel: string;
    port: number;
    /** How long its connections drain when it stops (HTTP_DRAIN_MS). */
    drainMs?: number;
    logger?: Logger;
  },
  wire: (kit: ServiceKit) => Promise<ServiceParts<H>>,
): Promise<ServiceHandle & H> {
  const { service } = options;
  const logger =
    options.logger ??
    createLogger({ service, instance: options.instanceId, level: options.logLevel });
  const stops = new StopList(logger);
  const metrics = createMetricsRegistry(service);
  try {
    const parts = await wire({ service, instanceId: options.instanceId, logger, metrics, stops });
    const { app, finish } = createHttpApp({
      service,
      logger,
      metrics,
      readiness: parts.readiness,
      securitySchemes: parts.securitySchemes,
    });
    const routes = parts.routes(app);
    const server = await listen(
      finish(routes.operations),
      options.port,
      '0.0.0.0',
      options.drainMs,
    );
    stops.add('http', () => server.close());
    for (const [name, stop] of parts.beforeHttpStop ?? []) stops.add(name, stop);
    logger.info({ port: server.port }, `${service} service listening`);
    return {
      url: server.url,
      port: server.port,
      logger,
      stop: () => stops.stopAll(),
      ...(parts.handle as H),
    };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}

/** runService's options, from the variables every service reads (commonEnv and PORT). */
export function serviceOptions(
  service: string,
  config: { INSTANCE_ID: string; LOG_LEVEL: string; PORT: number; HTTP_DRAIN_MS: number },
  logger?: Logger,
) {
  return {
    service,
    instanceId: config.INSTANCE_ID,
    logLevel: config.LOG_LEVEL,
    port: config.PORT,
    drainMs: config.HTTP_DRAIN_MS,
    logger,
  };
}

/** The service's database pool (its `postgresEnv` settings), migrated, closed last. */
export async function openDatabase(
  kit: ServiceKit,
  config: {
    DATABASE_URL: string;
    DB_POOL_MAX: number;
    DB_PREPARED_STATEMENTS: boolean;
    /** false: the schema is the migration step's business (it has run before the service). */
    MIGRATE_ON_START: boolean;
  },
  migrations: Record<string, Migration>,
): Promise<Database> {
  const knex = createDb({
    url: config.DATABASE_URL,
    applicationName: `${kit.service}#${kit.instanceId}`,
    poolMax: config.DB_POOL_MAX,
    preparedStatements: config.DB_PREPARED_STATEMENTS,
  });
  kit.stops.add('database pool', () => knex.destroy());
  if (config.MIGRATE_ON_START) await migrate(knex, migrations);
  return new Database(knex, config.DB_PREPARED_STATEMENTS);
}

/**
 * The entry point of a migration step (a Kubernetes init container or Job): migrates the
 * service's database and exits 0, or exits 78 naming a bad variable. Services migrate at start
 * as well (serialised by an advisory lock); running it first keeps schema changes out of the
 * rollout's critical path.
 */
export function runMigrationsMain(service: string, migrations: Record<string, Migration>): void {
  (async () => {
    const config = loadConfig(postgresEnv(service));
    const db = createDb({ url: config.DATABASE_URL, applicationName: `${service}-migrate` });
    try {
      const applied = await migrate(db, migrations);
      process.stdout.write(
        `${service}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}\n`,
      );
    } finally {
      await db.destroy();
    }
  })().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(
        `${service} migration failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(err instanceof ConfigError ? EXIT_CONFIG : 1);
    },
  );
}
