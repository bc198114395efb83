import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import type { KafkaSecurity, Logger } from '@ticketing/platform';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import './idle-fix';
import { kafkajsLevel } from './log-levels';
import { SelfHealingProducer } from './self-healing-producer';

export function createKafka(options: {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SCRAM for a secured cluster (`kafkaSecurityFrom`); plaintext when absent. */
  security?: KafkaSecurity;
}): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
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
      retries: KAFKA_CLIENT_SETTINGS.retry.retries,
    },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }) => {
        const { message, ...rest } = entry;
        log[kafkajsLevel(level, entry)](rest, message);
      },
  });
}

/**
 * An idempotent producer (acks=all, no reordering on retry) for the relay and direct sends, that
 * replaces itself when it becomes unusable (SelfHealingProducer).
 */
export function createProducer(kafka: Kafka, logger?: Logger): Producer {
  const healing = new SelfHealingProducer(
    () =>
      kafka.producer({
        // kafkajs's idempotent producer always writes with acks=all.
        idempotent: KAFKA_CLIENT_SETTINGS.producer.idempotent,
        maxInFlightRequests: KAFKA_CLIENT_SETTINGS.producer.maxInFlightRequests,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    logger,
  );
  // What the services use of a producer: connect, send, sendBatch, disconnect.
  return healing as unknown as Producer;
}
