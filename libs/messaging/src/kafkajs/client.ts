import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import type { KafkaSecurity, Logger } from '@ticketing/platform';
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
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // Keep trying through a broker restart instead of crashing the service.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 10 },
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
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      }),
    logger,
  );
  // What the services use of a producer: connect, send, sendBatch, disconnect.
  return healing as unknown as Producer;
}
