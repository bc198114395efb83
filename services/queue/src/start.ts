import {
  MessageConsumer,
  TopicNamespace,
  createKafka,
  createProducer,
  directExecutor,
  type DirectContext,
} from '@ticketing/messaging';
import { runService, serviceOptions, type Logger, type ServiceHandle } from '@ticketing/platform';
import { TokenSigner, openAuth } from '@ticketing/auth';
import Redis from 'ioredis';
import type { Config } from './config';
import { QueueStore } from './data-access/queue-store';
import { AdmissionTicker } from './domain/admission';
import { WaitingQueue, settingsFrom } from './domain/queue';
import { httpRoutes } from './entry-points/http/routes';
import { QueueEventStreams } from './entry-points/http/sse';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'queue';

export type QueueServiceHandle = ServiceHandle & { ticker: AdmissionTicker; store: QueueStore };

/** Wires the queue service and runs its entry points; the handle stops them in reverse order. */
export function start(config: Config, deps: { logger?: Logger } = {}): Promise<QueueServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const { logger, metrics, stops } = kit;
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
    const auth = openAuth(kit, { identity: config, passSigner: signer });

    const kafka = createKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: `${SERVICE}-${config.INSTANCE_ID}`,
      logger,
    });
    const topics = new TopicNamespace(config.KAFKA_TOPIC_PREFIX);
    const producer = createProducer(kafka);
    await producer.connect();
    stops.add('kafka producer', () => producer.disconnect());
    // Redis has no transactions with Kafka: the handlers are idempotent and reply directly.
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
    stops.add('kafka consumer', () => consumer.stop());
    const admin = kafka.admin();
    await admin.connect();
    stops.add('kafka admin', () => admin.disconnect());

    const ticker = new AdmissionTicker(store, settings, logger, metrics);
    ticker.start(config.QUEUE_TICK_MS);
    stops.add('admission', () => ticker.stop());
    const streams = new QueueEventStreams(store, settings, logger);
    streams.start(config.QUEUE_SSE_INTERVAL_MS);
    return {
      routes: (app) => httpRoutes(app, { queue, credentials: auth.credentials, streams }),
      securitySchemes: auth.securitySchemes,
      readiness: {
        ...auth.readiness,
        redis: () => redis.ping(),
        kafka: () => admin.describeCluster(),
        'kafka consumer': consumer.readinessCheck,
      },
      // Open streams end first, so the server can close; clients reconnect elsewhere.
      beforeHttpStop: [['sse streams', () => streams.stop()]],
      handle: { ticker, store },
    };
  });
}
