import { TopicNamespace, startPostgresMessaging } from '@ticketing/messaging';
import {
  PeriodicTask,
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
import { TokenSigner, requireActiveToken } from '@ticketing/queue-auth';
import Redis from 'ioredis';
import { migrations } from '../migrations';
import type { Config } from './config';
import { Payments } from './domain/payments';
import { PaymentWaiters } from './domain/waiters';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'payment';

export interface PaymentServiceHandle extends ServiceHandle {
  payments: Payments;
}

/** Wires the payment service (saga orchestrator) and runs its entry points. */
export async function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<PaymentServiceHandle> {
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
    const redis = new Redis(config.REDIS_URL, {
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
    });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    stops.add('redis', () => redis.quit());

    const payments = new Payments(db, config.SAGA_STEP_TIMEOUT_SECONDS * 1000);
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
      handlers: messageHandlers(payments),
    });
    const sweeper = new PeriodicTask(
      'saga deadline sweep',
      () => payments.sweepDue(),
      logger,
    ).start(config.SAGA_SWEEP_INTERVAL_MS);
    stops.add('saga sweeper', () => sweeper.stop());
    const waiters = new PaymentWaiters(config.DATABASE_URL, logger);
    await waiters.start();

    const activeToken = requireActiveToken({
      redis,
      signer: new TokenSigner(config.QUEUE_TOKEN_SECRET),
    });
    const { app, finish } = createHttpApp({
      service: SERVICE,
      logger,
      metrics,
      readiness: { ...messaging.readiness, redis: () => redis.ping() },
    });
    const routes = httpRoutes(app, { payments, waiters, activeToken });
    const server = await listen(finish(routes.operations), config.PORT);
    stops.add('http', () => server.close());
    // Registered after the server, so stopped before it: requests waiting on Prefer: wait answer at once.
    stops.add('payment waiters', () => waiters.stop());
    logger.info({ port: server.port }, 'payment service listening');
    return { url: server.url, port: server.port, logger, payments, stop: () => stops.stopAll() };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}
