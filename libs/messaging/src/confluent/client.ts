import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { KafkaClient, KafkaClientOptions } from '../broker';
import { SelfHealingPublisher } from '../self-healing-publisher';
import { confluentAdmin } from './admin';
import { confluentGroupMember } from './consumer-group';
import { producerUnusable } from './errors';
import { confluentPublisher } from './publisher';
import { commonConfig } from './settings';

/** The project's client on Confluent's `@confluentinc/kafka-javascript` (librdkafka). */
export function createConfluentClient(options: KafkaClientOptions): KafkaClient {
  const kafka = new KafkaJS.Kafka(commonConfig(options, options.retries));
  return {
    name: 'confluent',
    publisher: () =>
      new SelfHealingPublisher(() => confluentPublisher(kafka), producerUnusable, options.logger),
    admin: () => confluentAdmin(kafka),
    groupMember: (groupId, events, memberOptions) =>
      confluentGroupMember(kafka, groupId, events, memberOptions),
  };
}
