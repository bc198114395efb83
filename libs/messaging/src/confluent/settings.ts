import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { KafkaClientOptions } from '../broker';
import { KAFKA_CLIENT_SETTINGS, retryBudgetMs } from '../client-settings';
import type { LibrdkafkaLog } from './logging';

/**
 * What every client of a process shares, in the KafkaJS-compatible block (`kafkaJS`) and in
 * librdkafka's own names beside it: where, as whom, the project's timeouts, and how it finds a
 * new leader. librdkafka asks for the cluster's metadata as soon as a broker's connection is lost
 * or a partition's leader is refused, then every `topic.metadata.refresh.fast.interval.ms` until
 * every partition has a leader: a leader elected after a broker's death is found within
 * ~250 ms of its election, not at the next step of a doubling backoff (issue 72, ADR 0036).
 */
export function commonConfig(
  options: KafkaClientOptions,
  log: LibrdkafkaLog,
  retries: number = KAFKA_CLIENT_SETTINGS.retry.retries,
): KafkaJS.CommonConstructorConfig {
  const { ssl, sasl } = options.security ?? {};
  const { retry } = KAFKA_CLIENT_SETTINGS;
  return {
    kafkaJS: {
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: KAFKA_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: KAFKA_CLIENT_SETTINGS.requestTimeoutMs,
      retry: {
        initialRetryTime: retry.initialRetryTimeMs,
        maxRetryTime: retry.maxRetryTimeMs,
        retries,
      },
      logger: log.logger,
      logLevel: KafkaJS.logLevel.WARN,
      ...(ssl && { ssl: true }),
      ...(sasl && {
        sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password },
      }),
    },
    ...(ssl?.ca && { 'ssl.ca.pem': ssl.ca.join('\n') }),
    'topic.metadata.refresh.fast.interval.ms': 250,
    'topic.metadata.refresh.interval.ms': KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
    'metadata.max.age.ms': KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
    // A broker that refused a connection is tried again after 100 ms, doubling to the project's
    // 500 ms (librdkafka's default ends at 10 s: a broker back from a restart would wait for it).
    'reconnect.backoff.ms': retry.initialRetryTimeMs,
    'reconnect.backoff.max.ms': retry.maxRetryTimeMs,
    // Also how far apart the metadata requests grow while a partition has no leader (from the
    // fast interval, doubling): at 2 s, a leader elected 6 s after a death was found up to 2 s
    // late (`npm run leader-stall -- confluent`: 8.1 s longest; at 500 ms, see ADR 0036).
    'retry.backoff.ms': retry.initialRetryTimeMs,
    'retry.backoff.max.ms': retry.maxRetryTimeMs,
    // No statistics timer: an idle process stays idle.
    'statistics.interval.ms': 0,
  };
}

/**
 * An idempotent producer for a low-rate, latency-bound service: each send leaves at once
 * (`linger.ms` 0: no waiting for a batch to fill), acks=all, and a message not delivered within
 * the time kafkajs's retries would take fails its send (the outbox relay sends it again).
 */
export const producerConfig = (): KafkaJS.ProducerConstructorConfig => ({
  kafkaJS: {
    idempotent: KAFKA_CLIENT_SETTINGS.producer.idempotent,
    acks: -1,
    maxInFlightRequests: KAFKA_CLIENT_SETTINGS.producer.maxInFlightRequests,
    allowAutoTopicCreation: false,
    metadataMaxAge: KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
  },
  'linger.ms': 0,
  'message.timeout.ms': KAFKA_CLIENT_SETTINGS.requestTimeoutMs + retryBudgetMs(),
  // Java's partitioner (murmur2), as kafkajs's and @platformatic/kafka's: a key lands on the same
  // partition whichever client sends it.
  partitioner: 'murmur2_random',
});

/**
 * A group member with the project's timings, committing nothing by itself (ADR 0013), and the
 * round-robin assignment every adapter's members agree on.
 */
export const consumerConfig = (
  groupId: string,
  fromBeginning: boolean,
  fetchWaitMs: number,
): KafkaJS.ConsumerConstructorConfig => {
  const { consumer } = KAFKA_CLIENT_SETTINGS;
  return {
    kafkaJS: {
      groupId,
      fromBeginning,
      autoCommit: false,
      sessionTimeout: consumer.sessionTimeoutMs,
      heartbeatInterval: consumer.heartbeatIntervalMs,
      // Also librdkafka's `max.poll.interval.ms`: a batch handled for longer leaves the group.
      rebalanceTimeout: consumer.rebalanceTimeoutMs,
      metadataMaxAge: consumer.metadataMaxAgeMs,
      maxWaitTimeInMs: fetchWaitMs,
      allowAutoTopicCreation: false,
      // Java's name of the round-robin assignment, which every project member offers.
      partitionAssigners: [KafkaJS.PartitionAssigners.roundRobin],
    },
    // A batch is every message the client holds for a partition, not 32 at most.
    'js.consumer.max.batch.size': -1,
  };
};
