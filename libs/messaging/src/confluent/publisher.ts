import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Publisher, WrittenPartition } from '../broker';
import { call, connecting } from './errors';
import type { LibrdkafkaLog } from './logging';
import { producerConfig } from './settings';

const written = (sent: KafkaJS.RecordMetadata[]): WrittenPartition[] =>
  sent.map((m) => ({
    topic: m.topicName,
    partition: m.partition,
    baseOffset: m.baseOffset ?? m.offset ?? '-1',
  }));

/** Confluent's idempotent producer as the project's publisher (`producerConfig`). */
export function confluentPublisher(kafka: KafkaJS.Kafka, log: LibrdkafkaLog): Publisher {
  const producer = kafka.producer(producerConfig());
  return {
    connect: () => connecting(() => producer.connect(), log),
    disconnect: () => call(() => producer.disconnect()),
    send: async (records) => written(await call(() => producer.send(records))),
    sendBatch: async (batch) => written(await call(() => producer.sendBatch(batch))),
  };
}
