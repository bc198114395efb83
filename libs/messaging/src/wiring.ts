/**
 * `@ticketing/messaging/wiring`: what a service's `start.ts` (and tools, tests, the bench) put
 * together — the Kafka client behind the project's port (`createKafka`, ADR 0018), the consumer
 * and relay, the messaging runtimes, topic admin and the dead-letter tools. A domain file never
 * imports this entry point (lint, ADR 0008).
 */
export { createKafka } from './kafka-client';
export {
  type KafkaClient,
  type KafkaClientName,
  type KafkaClientOptions,
  type Publisher,
  type RecordToSend,
  type TopicRecords,
  type WrittenPartition,
  type Admin,
  type PartitionOffsets,
  type GroupTopicOffsets,
  type TopicMetadata,
  type TopicToCreate,
  type OffsetsToCommit,
  type CommitOffsets,
  type FetchedBatch,
  type GroupEvents,
  type ConsumerGroupRun,
  type ConsumerGroupMember,
  type CreateGroupMember,
  type GroupMemberOptions,
  type HeaderValue,
  type MessageHeaders,
  type KafkaMessage,
} from './broker';
export { SelfHealingPublisher } from './self-healing-publisher';
export { ensureTopics } from './topics';
export { OutboxRelay, type RelayOptions } from './outbox';
export { sendToDlt } from './dlt';
export { decode, type Decoded, contextOf, MessageConsumer, type ConsumerOptions } from './consumer';
export { inboxUnitOfWork, directUnitOfWork, publishNow } from './unit-of-work';
export {
  type PostgresMessagingOptions,
  type PostgresMessaging,
  startPostgresMessaging,
  type DirectMessagingOptions,
  type DirectMessaging,
  startDirectMessaging,
} from './runtime';
export { purgeInbox } from './retention';
export {
  REDRIVE_HEADER,
  type DeadLetter,
  readDeadLetters,
  countByTopicAndReason,
  redriveDeadLetters,
  where,
} from './dead-letters';
