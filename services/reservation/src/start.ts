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
import { TokenSigner, requireActiveToken } from '@ticketing/queue-auth';
import Redis from 'ioredis';
import { migrations } from '../migrations';
import type { Config } from './config';
import { SeatHolds } from './domain/holds';
import { HoldSweeper } from './domain/sweeper';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'reservation';

export interface ReservationServiceHandle extends ServiceHandle {
  holds: SeatHolds;
  sweeper: HoldSweeper;
}

/** Wires the reservation service and runs its entry points; the handle stops them in reverse order. */
export async function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<ReservationServiceHandle> {
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

    const holds = new SeatHolds(db, config.HOLD_TTL_SECONDS);
    const sweeper = new HoldSweeper(holds, logger);
    sweeper.start(config.HOLD_SWEEP_INTERVAL_MS);
    stops.add('hold sweeper', () => sweeper.stop());
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
    const routes = httpRoutes(app, { holds, activeToken });
    const server = await listen(finish(routes.operations), config.PORT);
    stops.add('http', () => server.close());
    logger.info({ port: server.port }, 'reservation service listening');
    return {
      url: server.url,
      port: server.port,
      logger,
      holds,
      sweeper,
      stop: () => stops.stopAll(),
    };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}
