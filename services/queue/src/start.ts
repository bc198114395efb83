import {
  MessageConsumer,
  TopicNamespace,
  createKafka,
  createProducer,
  directExecutor,
  type DirectContext,
} from '@ticketing/messaging';
import {
  StopList,
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  listen,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { TokenSigner } from '@ticketing/queue-auth';
import Redis from 'ioredis';
import type { Config } from './config';
import { QueueStore } from './data-access/queue-store';
import { AdmissionTicker } from './domain/admission';
import { WaitingQueue, settingsFrom } from './domain/queue';
import { httpRoutes } from './entry-points/http/routes';
import { QueueEventStreams } from './entry-points/http/sse';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'queue';

export interface QueueServiceHandle extends ServiceHandle {
  ticker: AdmissionTicker;
  store: QueueStore;
}

/** Wires the queue service and runs its entry points; the handle stops them in reverse order. */
export async function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<QueueServiceHandle> {
  const logger =
    deps.logger ??
    createLogger({ service: SERVICE, instance: config.INSTANCE_ID, level: config.LOG_LEVEL });
  const stops = new StopList(logger);
  const metrics = createMetricsRegistry(SERVICE);
  try {
    const redis = new Redis(config.REDIS_URL, {
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxRetriesPerRequest: 2,
      enableAutoPipelining: true,
    });
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    stops.add('redis', () => redis.quit());
    const store = new QueueStore(redis);
    const settings = settingsFrom(config);
    const signer = new TokenSigner(config.QUEUE_TOKEN_SECRET);
    const queue = new WaitingQueue(store, signer, settings);

    const kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: `${SERVICE}-${config.INSTANCE_ID}`,
      logger,
    });
    const topics = new TopicNamespace(config.KAFKA_TOPIC_PREFIX);
    const producer = createProducer(kafka);
    await producer.connect();
    stops.add('producer', () => producer.disconnect());
    const consumer = new MessageConsumer<DirectContext>({
      kafka,
      groupId: config.KAFKA_CONSUMER_GROUP,
      logger,
      producer,
      executor: directExecutor(producer, SERVICE, topics),
      handlers: messageHandlers({ queue, store }),
      metrics,
      topics,
    });
    await consumer.start();
    stops.add('consumer', () => consumer.stop());

    const ticker = new AdmissionTicker(store, settings, logger, metrics);
    ticker.start(config.QUEUE_TICK_MS);
    stops.add('admission', () => ticker.stop());
    const streams = new QueueEventStreams(store, settings, logger);
    streams.start(config.QUEUE_SSE_INTERVAL_MS);
    stops.add('sse', () => streams.stop());

    const { app, finish } = createHttpApp({
      service: SERVICE,
      logger,
      metrics,
      readiness: {
        redis: () => redis.ping(),
        kafka: async () => {
          const admin = kafka.admin();
          await admin.connect();
          await admin.describeCluster().finally(() => admin.disconnect());
        },
      },
    });
    const routes = httpRoutes(app, { queue, signer, streams });
    const server = await listen(finish(routes.operations), config.PORT);
    // SSE streams are ended first (registered after the server, so stopped before it).
    stops.add('http', () => server.close());
    stops.add('sse-before-http', () => streams.stop());
    logger.info({ port: server.port }, 'queue service listening');
    return {
      url: server.url,
      port: server.port,
      logger,
      ticker,
      store,
      stop: () => stops.stopAll(),
    };
  } catch (err) {
    await stops.stopAll();
    throw err;
  }
}
