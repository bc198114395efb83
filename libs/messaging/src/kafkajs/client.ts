import { Kafka, logLevel } from 'kafkajs';
import type { KafkaClient, KafkaClientOptions } from '../broker';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import { SelfHealingPublisher } from '../self-healing-publisher';
import { kafkajsAdmin } from './admin';
import { kafkajsGroupMember } from './consumer-group';
import './idle-fix';
import { kafkajsLevel } from './log-levels';
import { producerUnusable } from './producer-unusable';
import { kafkajsPublisher } from './publisher';

/** The project's client on kafkajs 2.2.4, with the project's settings. */
export function createKafkajsClient(options: KafkaClientOptions): KafkaClient {
  const log = options.logger.child({ component: 'kafkajs' });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(options.security?.ssl && { ssl: options.security.ssl }),
    ...(options.security?.sasl && { sasl: options.security.sasl }),
    connectionTimeout: KAFKA_CLIENT_SETTINGS.connectionTimeoutMs,
    requestTimeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
    // Keep trying through a broker restart instead of crashing the service.
    retry: {
      initialRetryTime: KAFKA_CLIENT_SETTINGS.retry.initialRetryTimeMs,
      maxRetryTime: KAFKA_CLIENT_SETTINGS.retry.maxRetryTimeMs,
      retries: options.retries ?? KAFKA_CLIENT_SETTINGS.retry.retries,
    },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        log[kafkajsLevel(level, entry)](rest, message);
      },
  });
  return {
    name: 'kafkajs',
    publisher: () =>
      new SelfHealingPublisher(() => kafkajsPublisher(kafka), producerUnusable, options.logger),
    admin: () => kafkajsAdmin(kafka),
    groupMember: (groupId, events, memberOptions) =>
      kafkajsGroupMember(kafka, groupId, events, memberOptions),
  };
}
