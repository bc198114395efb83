import { Partitioners, type Kafka, type RecordMetadata } from 'kafkajs';
import type { Publisher, WrittenPartition } from '../broker';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';

const written = (sent: RecordMetadata[]): WrittenPartition[] =>
  sent.map((m) => ({
    topic: m.topicName,
    partition: m.partition,
    baseOffset: m.baseOffset ?? m.offset ?? '-1',
  }));

/**
 * A kafkajs idempotent producer as the project's publisher: acks=all, one request in flight (no
 * reordering on retry), no topic created by a send, keys partitioned as Java's client does.
 */
export function kafkajsPublisher(kafka: Kafka): Publisher {
  const producer = kafka.producer({
    // kafkajs's idempotent producer always writes with acks=all.
    idempotent: KAFKA_CLIENT_SETTINGS.producer.idempotent,
    maxInFlightRequests: KAFKA_CLIENT_SETTINGS.producer.maxInFlightRequests,
    allowAutoTopicCreation: false,
    metadataMaxAge: KAFKA_CLIENT_SETTINGS.metadataMaxAgeMs,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send: async ({ topic, messages }) =>
      written(await producer.send({ topic, messages, acks: -1 })),
    sendBatch: async ({ topicMessages }) =>
      written(await producer.sendBatch({ topicMessages, acks: -1 })),
  };
}
