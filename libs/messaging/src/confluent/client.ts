import { KafkaJS } from '@confluentinc/kafka-javascript';
import type { KafkaClient, KafkaClientOptions } from '../broker';
import { SelfHealingPublisher } from '../self-healing-publisher';
import { confluentAdmin } from './admin';
import { confluentGroupMember } from './consumer-group';
import { producerUnusable } from './errors';
import { LibrdkafkaLog } from './logging';
import { confluentPublisher } from './publisher';
import { commonConfig } from './settings';

/** The project's client on Confluent's `@confluentinc/kafka-javascript` (librdkafka). */
export function createConfluentClient(options: KafkaClientOptions): KafkaClient {
  const log = new LibrdkafkaLog(options.logger);
  const kafka = new KafkaJS.Kafka(commonConfig(options, log, options.retries));
  return {
    name: 'confluent',
    publisher: () =>
      new SelfHealingPublisher(
        () => confluentPublisher(kafka, log),
        producerUnusable,
        options.logger,
      ),
    admin: () => confluentAdmin(kafka, log),
    groupMember: (groupId, events, memberOptions) =>
      confluentGroupMember(kafka, log, groupId, events, memberOptions),
  };
}
