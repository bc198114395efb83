import {
  kafkaSecurityFrom,
  retentionDeletions,
  type KafkaClientName,
  type Database,
  type Logger,
  type ReadinessCheck,
} from '@ticketing/platform';
import { PeriodicTask, type StopList } from '@ticketing/platform/wiring';
import type { KafkaClient, Publisher } from './broker';
import type { Registry } from 'prom-client';
import { MessageConsumer, type HandlerEntry } from './consumer';
import {
  directUnitOfWork,
  inboxUnitOfWork,
  type DirectContext,
  type TxContext,
} from './unit-of-work';
import { createKafka } from './kafka-client';
import { TopicNamespace } from './namespace';
import { OUTBOX_TABLE, OutboxRelay } from './outbox';
import { purgeInbox } from './retention';

export interface PostgresMessagingOptions {
  service: string;
  instanceId: string;
  logger: Logger;
  metrics: Registry;
  stops: StopList;
  db: Database;
  config: {
    DATABASE_URL: string;
    KAFKA_CLIENT: KafkaClientName;
    KAFKA_BROKERS: string[];
    KAFKA_TOPIC_PREFIX: string;
    KAFKA_CONSUMER_GROUP: string;
    KAFKA_CONSUMER_BATCH_WINDOW_MS: number;
    /** The inbox's retention window and round period (libs/platform `postgresEnv`). */
    INBOX_RETENTION_MINUTES: number;
    RETENTION_INTERVAL_MS: number;
  } & Parameters<typeof kafkaSecurityFrom>[0];
  /** The service's topic → handler table; none for a service that only publishes. */
  handlers?: HandlerEntry<TxContext>[];
}

export interface PostgresMessaging {
  kafka: KafkaClient;
  producer: Publisher;
  relay: OutboxRelay;
  consumer?: MessageConsumer<TxContext>;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The messaging side of a Postgres service: an idempotent producer, the outbox relay, and (with
 * handlers) a consumer whose handlers run in one transaction with the inbox and the outbox.
 * Registers each part on `stops` so they stop in reverse order: consumer, relay, producer.
 */
export async function startPostgresMessaging(
  options: PostgresMessagingOptions,
): Promise<PostgresMessaging> {
  const { service, logger, metrics, stops, config } = options;
  const topics = new TopicNamespace(config.KAFKA_TOPIC_PREFIX);
  const kafka = createKafka({
    client: config.KAFKA_CLIENT,
    brokers: config.KAFKA_BROKERS,
    clientId: `${service}-${options.instanceId}`,
    logger,
    security: kafkaSecurityFrom(config),
  });
  const producer = kafka.publisher();
  await producer.connect();
  stops.add('kafka producer', () => producer.disconnect());

  const relay = new OutboxRelay({
    databaseUrl: config.DATABASE_URL,
    producer,
    logger,
    metrics,
    lockName: `${service}-outbox`,
    topics,
  });
  relay.start();
  stops.add('outbox relay', () => relay.stop());
  options.db.watchCommits(OUTBOX_TABLE, relay);

  let consumer: MessageConsumer<TxContext> | undefined;
  if (options.handlers?.length) {
    consumer = new MessageConsumer<TxContext>({
      kafka,
      groupId: config.KAFKA_CONSUMER_GROUP,
      batchWindowMs: config.KAFKA_CONSUMER_BATCH_WINDOW_MS,
      logger,
      producer,
      unitOfWork: inboxUnitOfWork(options.db, service, service),
      handlers: options.handlers,
      metrics,
      topics,
    });
    // HTTP does not wait for the group: a restart after a crash would wait out the dead members.
    await consumer.start({ joined: false });
    stops.add('kafka consumer', () => consumer!.stop());

    // Any instance may purge: the deletes of two instances only take turns.
    const deleted = retentionDeletions(metrics).labels('inbox');
    const retention = new PeriodicTask(
      'inbox retention',
      async () => deleted.inc(await purgeInbox(options.db, config.INBOX_RETENTION_MINUTES)),
      logger,
    ).start(config.RETENTION_INTERVAL_MS);
    stops.add('inbox retention', () => retention.stop());
  }

  const admin = kafka.admin();
  await admin.connect();
  stops.add('kafka admin', () => admin.disconnect());
  return {
    kafka,
    producer,
    relay,
    consumer,
    readiness: {
      database: () => options.db.ping(),
      kafka: () => admin.describeCluster(),
      ...(consumer && { 'kafka consumer': consumer.readinessCheck }),
    },
  };
}

export interface DirectMessagingOptions {
  service: string;
  instanceId: string;
  logger: Logger;
  metrics: Registry;
  stops: StopList;
  config: {
    KAFKA_CLIENT: KafkaClientName;
    KAFKA_BROKERS: string[];
    KAFKA_TOPIC_PREFIX: string;
    KAFKA_CONSUMER_GROUP: string;
    KAFKA_CONSUMER_BATCH_WINDOW_MS: number;
  } & Parameters<typeof kafkaSecurityFrom>[0];
  /** The service's topic → handler table; each handler must be idempotent by construction. */
  handlers: HandlerEntry<DirectContext>[];
}

export interface DirectMessaging {
  kafka: KafkaClient;
  producer: Publisher;
  consumer: MessageConsumer<DirectContext>;
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The messaging side of a service without a relational store (the queue, on Redis): there is
 * no transaction to share with Kafka, so handlers are idempotent and their replies are produced
 * right after them, before the offset is committed (at-least-once). Same producer, consumer and
 * readiness as the Postgres services; stops in reverse order.
 */
export async function startDirectMessaging(
  options: DirectMessagingOptions,
): Promise<DirectMessaging> {
  const { service, logger, metrics, stops, config } = options;
  const topics = new TopicNamespace(config.KAFKA_TOPIC_PREFIX);
  const kafka = createKafka({
    client: config.KAFKA_CLIENT,
    brokers: config.KAFKA_BROKERS,
    clientId: `${service}-${options.instanceId}`,
    logger,
    security: kafkaSecurityFrom(config),
  });
  const producer = kafka.publisher();
  await producer.connect();
  stops.add('kafka producer', () => producer.disconnect());
  const consumer = new MessageConsumer<DirectContext>({
    kafka,
    groupId: config.KAFKA_CONSUMER_GROUP,
    batchWindowMs: config.KAFKA_CONSUMER_BATCH_WINDOW_MS,
    logger,
    producer,
    unitOfWork: directUnitOfWork(producer, service, topics),
    handlers: options.handlers,
    metrics,
    topics,
  });
  await consumer.start({ joined: false });
  stops.add('kafka consumer', () => consumer.stop());
  const admin = kafka.admin();
  await admin.connect();
  stops.add('kafka admin', () => admin.disconnect());
  return {
    kafka,
    producer,
    consumer,
    readiness: {
      kafka: () => admin.describeCluster(),
      'kafka consumer': consumer.readinessCheck,
    },
  };
}
