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
import { MessageConsumer, type HandlerEntry, type UnitOfWork } from './consumer';
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

/** What either side of a service's messaging is given: who it is, where it logs and stops. */
interface MessagingWiring {
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
    KAFKA_CONSUMER_MAX_WAIT_MS: number;
  } & Parameters<typeof kafkaSecurityFrom>[0];
}

/** A service's Kafka client, its idempotent producer and the names of its topics. */
interface ServiceKafka {
  kafka: KafkaClient;
  producer: Publisher;
  topics: TopicNamespace;
}

/**
 * The Kafka client and its producer, connected; the producer is registered on `stops` first, so
 * it stops last: whatever registers after it (the relay, the consumer) still sends while it stops.
 */
async function connectKafka({
  service,
  instanceId,
  logger,
  stops,
  config,
}: MessagingWiring): Promise<ServiceKafka> {
  const kafka = createKafka({
    client: config.KAFKA_CLIENT,
    brokers: config.KAFKA_BROKERS,
    clientId: `${service}-${instanceId}`,
    logger,
    security: kafkaSecurityFrom(config),
  });
  const producer = kafka.publisher();
  await producer.connect();
  stops.add('kafka producer', () => producer.disconnect());
  return { kafka, producer, topics: new TopicNamespace(config.KAFKA_TOPIC_PREFIX) };
}

/**
 * The service's consumer over its handler table, started: HTTP does not wait for the group (a
 * restart after a crash would wait out the dead members); readiness says if it never joins.
 */
async function startConsumer<Ctx>(
  { logger, metrics, stops, config }: MessagingWiring,
  { kafka, producer, topics }: ServiceKafka,
  unitOfWork: UnitOfWork<Ctx>,
  handlers: HandlerEntry<Ctx>[],
): Promise<MessageConsumer<Ctx>> {
  const consumer = new MessageConsumer<Ctx>({
    kafka,
    groupId: config.KAFKA_CONSUMER_GROUP,
    batchWindowMs: config.KAFKA_CONSUMER_BATCH_WINDOW_MS,
    maxWaitMs: config.KAFKA_CONSUMER_MAX_WAIT_MS,
    logger,
    producer,
    unitOfWork,
    handlers,
    metrics,
    topics,
  });
  await consumer.start({ joined: false });
  stops.add('kafka consumer', () => consumer.stop());
  return consumer;
}

/** Whether the cluster answers, asked through an admin of the service's own (stopped first). */
async function clusterAnswers(kafka: KafkaClient, stops: StopList): Promise<ReadinessCheck> {
  const admin = kafka.admin();
  await admin.connect();
  stops.add('kafka admin', () => admin.disconnect());
  return () => admin.describeCluster();
}

export interface PostgresMessagingOptions extends MessagingWiring {
  db: Database;
  config: MessagingWiring['config'] & {
    DATABASE_URL: string;
    /** The inbox's retention window and round period (libs/platform `postgresEnv`). */
    INBOX_RETENTION_MINUTES: number;
    RETENTION_INTERVAL_MS: number;
  };
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
  const side = await connectKafka(options);
  const { kafka, producer, topics } = side;

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
    consumer = await startConsumer(
      options,
      side,
      inboxUnitOfWork(options.db, service, service),
      options.handlers,
    );
    // Any instance may purge: the deletes of two instances only take turns.
    const deleted = retentionDeletions(metrics).labels('inbox');
    const retention = new PeriodicTask(
      'inbox retention',
      async () => deleted.inc(await purgeInbox(options.db, config.INBOX_RETENTION_MINUTES)),
      logger,
    ).start(config.RETENTION_INTERVAL_MS);
    stops.add('inbox retention', () => retention.stop());
  }

  return {
    kafka,
    producer,
    relay,
    consumer,
    readiness: {
      database: () => options.db.ping(),
      kafka: await clusterAnswers(kafka, stops),
      ...(consumer && { 'kafka consumer': consumer.readinessCheck }),
    },
  };
}

export interface DirectMessagingOptions extends MessagingWiring {
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
  const side = await connectKafka(options);
  const { kafka, producer, topics } = side;
  const consumer = await startConsumer(
    options,
    side,
    directUnitOfWork(producer, options.service, topics),
    options.handlers,
  );
  return {
    kafka,
    producer,
    consumer,
    readiness: {
      kafka: await clusterAnswers(kafka, options.stops),
      'kafka consumer': consumer.readinessCheck,
    },
  };
}
