import type { KafkaClient, KafkaClientName, KafkaClientOptions } from './broker';
import { createKafkajsClient } from './kafkajs';
import { createPlatformaticClient } from './platformatic';

const ADAPTERS: Record<KafkaClientName, (options: KafkaClientOptions) => KafkaClient> = {
  kafkajs: createKafkajsClient,
  platformatic: createPlatformaticClient,
};

/**
 * The project's Kafka client on the library `client` names (`KAFKA_CLIENT`, validated with the
 * rest of a process's configuration: `kafkaEnv`, `kafkaClientFrom`).
 */
export function createKafka(
  options: KafkaClientOptions & { client: KafkaClientName },
): KafkaClient {
  return ADAPTERS[options.client](options);
}
