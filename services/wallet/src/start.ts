import { TopicNamespace, startPostgresMessaging } from '@ticketing/messaging';
import {
  StopList,
  createDb,
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  listen,
  migrate,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { migrations } from '../migrations';
import type { Config } from './config';
import { Wallets } from './domain/charges';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'wallet';

export interface WalletServiceHandle extends ServiceHandle {
  wallets: Wallets;
}

/** Wires the wallet service and runs its entry points; the handle stops them in reverse order. */
export async function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<WalletServiceHandle> {
  const logger =
    deps.logger ??
    createLogger({ service: SERVICE, instance: config.INSTANCE_ID, level: config.LOG_LEVEL });
  const stops = new StopList(logger);
  const metrics = createMetricsRegistry(SERVICE);
  try {
    const db = createDb({
      url: config.DATABASE_URL,
      applicationName: `${SERVICE}#${config.INSTANCE_ID}`,
      poolMax: config.DB_POOL_MAX,
    });
    stops.add('database pool', () => db.destroy());
    await migrate(db, migrations);
    const messaging = await startPostgresMessaging({
      service: SERVICE,
      instanceId: config.INSTANCE_ID,
      databaseUrl: config.DATABASE_URL,
      kafkaBrokers: config.KAFKA_BROKERS,
      consumerGroup: config.KAFKA_CONSUMER_GROUP,
      topics: new TopicNamespace(config.KAFKA_TOPIC_PREFIX),
      db,
      logger,
      metrics,
      stops,
      handlers: messageHandlers(),
    });
    const wallets = new Wallets(db, {
      maxCharge: config.WALLET_MAX_CHARGE,
      maxBalance: config.WALLET_MAX_BALANCE,
    });
    // Keys are kept IDEMPOTENCY_KEY_TTL_HOURS, then forgotten (any instance may purge).
    const purge = setInterval(() => {
      wallets
        .purgeIdempotencyKeys(config.IDEMPOTENCY_KEY_TTL_HOURS)
        .catch((err: unknown) => logger.warn({ err }, 'key purge failed'));
    }, 3_600_000);
    stops.add('key purge', async () => clearInterval(purge));

    const { app, finish } = createHttpApp({
      service: SERVICE,
      logger,
      metrics,
      readiness: messaging.readiness,
    });
    const routes = httpRoutes(app, { wallets });
    const server = await listen(finish(routes.operations), config.PORT);
    stops.add('http', () => server.close());
    logger.info({ port: server.port }, 'wallet service listening');
    return { url: server.url, port: server.port, logger, wallets, stop: () => stops.stopAll() };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}
