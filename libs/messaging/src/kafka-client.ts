import type { KafkaClient, KafkaClientName, KafkaClientOptions } from './broker';
import type * as Confluent from './confluent';
import type * as Kafkajs from './kafkajs';
import type * as Platformatic from './platformatic';

/*
 * Each adapter is loaded when it is chosen, not before: a process runs on one client, and the
 * other's module graph is not free (@platformatic/kafka builds its protocol's JSON-schema
 * validators as it loads, the larger share of a service's start-up CPU when it was loaded in
 * every process: docs/testing.md has the figures; Confluent's loads librdkafka).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a synchronous load on demand */
const ADAPTERS: Record<KafkaClientName, (options: KafkaClientOptions) => KafkaClient> = {
  kafkajs: (options) => (require('./kafkajs') as typeof Kafkajs).createKafkajsClient(options),
  platformatic: (options) =>
    (require('./platformatic') as typeof Platformatic).createPlatformaticClient(options),
  confluent: (options) =>
    (require('./confluent') as typeof Confluent).createConfluentClient(options),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The project's Kafka client on the library `client` names (`KAFKA_CLIENT`, validated with the
 * rest of a process's configuration: `kafkaEnv`, `kafkaClientFrom`).
 */
export function createKafka(
  options: KafkaClientOptions & { client: KafkaClientName },
): KafkaClient {
  return ADAPTERS[options.client](options);
}
