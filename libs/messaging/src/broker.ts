/**
 * What the project needs of a Kafka client, in its own words (ADR 0018): a publisher, consumer
 * group members and an admin, made by a `KafkaClient`. Three adapters implement it, each in the
 * one folder that knows its client (`./kafkajs`, `./platformatic`, `./confluent`); `createKafka` (`./kafka-client`)
 * picks one by `KAFKA_CLIENT`. Services, tools, tests and the bench see only this.
 *
 * Errors an adapter raises carry `retriable` (trying again may succeed: an outage, a leader
 * moving) and, for a broker's answer, `type`: Kafka's own name of the error
 * (`UNKNOWN_TOPIC_OR_PARTITION`, `TOPIC_AUTHORIZATION_FAILED`, …).
 */
import type { KafkaClientName, KafkaSecurity, Logger } from '@ticketing/platform';

export type { KafkaClientName };

/** Whether an adapter's error says that trying again may succeed (see above). */
export const isRetriable = (err: unknown): boolean =>
  (err as { retriable?: unknown } | null | undefined)?.retriable === true;

/** Where a client connects and as whom; the same for every client. */
export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SCRAM for a secured cluster (`kafkaSecurityFrom`); plaintext when absent. */
  security?: KafkaSecurity;
  /**
   * How many times a failed request is tried again (backoff 100 ms doubling to 500 ms): 28 by
   * default, through a broker restart; 0 for a probe that only asks whether Kafka answers.
   */
  retries?: number;
}

/** A header's value as fetched; a header sent twice under one name comes as a list. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;
export type MessageHeaders = Record<string, HeaderValue>;

/** A message as a consumer fetched it. */
export interface KafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: MessageHeaders;
  offset: string;
  /** Milliseconds since the epoch, as Kafka keeps it. */
  timestamp: string;
}

/** A message to publish; a key picks its partition (the same one on every client, murmur2). */
export interface RecordToSend {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string>;
}

export interface TopicRecords {
  topic: string;
  messages: RecordToSend[];
}

/** Where a send's messages went: per partition written, the offset of its first message. */
export interface WrittenPartition {
  topic: string;
  partition: number;
  baseOffset: string;
}

/**
 * An idempotent producer: every send waits for all in-sync replicas (acks=all), retries without
 * duplicating or reordering, and the messages of one call are written in order per partition.
 */
export interface Publisher {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(records: TopicRecords): Promise<WrittenPartition[]>;
  /** Several topics in one call (one request per broker). */
  sendBatch(batch: { topicMessages: TopicRecords[] }): Promise<WrittenPartition[]>;
}

/** A partition's offsets: `low` the first kept, `high` the next to be written. */
export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

/** A group's committed offsets of a topic; `-1` for a partition it never committed. */
export interface GroupTopicOffsets {
  topic: string;
  partitions: { partition: number; offset: string }[];
}

export interface TopicToCreate {
  topic: string;
  partitions: number;
  /** Topic settings (`max.message.bytes`, …); the broker's defaults otherwise. */
  config?: Record<string, string>;
}

export interface TopicMetadata {
  topic: string;
  /** `leader` is -1 while a partition has none; `isr`: the replicas in sync with it. */
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
}

/**
 * What the project administers: its topics and its groups' offsets. Permissions and a topic's
 * settings after it is made are the tests' alone (@ticketing/testing's `clusterAdmin`).
 */
export interface Admin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /**
   * The cluster's brokers (readiness: Kafka answers). No controller: in KRaft a client is told
   * of any broker as one, and Confluent's client is told of none.
   */
  describeCluster(): Promise<{ brokers: { nodeId: number }[] }>;
  listTopics(): Promise<string[]>;
  /** Replicated as the broker's default says (1 on a single node, 3 in a cluster). */
  createTopics(topics: TopicToCreate[]): Promise<void>;
  deleteTopics(topics: string[]): Promise<void>;
  topicMetadata(topics: string[]): Promise<TopicMetadata[]>;
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  groupOffsets(groupId: string, topics: string[]): Promise<GroupTopicOffsets[]>;
  /** Each group's state (`Stable`, `PreparingRebalance`, `Empty`, …) and member count. */
  describeGroups(
    groupIds: string[],
  ): Promise<{ groupId: string; state: string; members: number }[]>;
  deleteGroups(groupIds: string[]): Promise<void>;
}

/** Offsets to commit: for each topic, the next offset to consume per partition. */
export type OffsetsToCommit = {
  topic: string;
  partitions: { partition: number; offset: string }[];
}[];

/** Commits offsets through the consumer group generation that fetched them. */
export type CommitOffsets = (offsets: OffsetsToCommit) => Promise<void>;

/** The messages of one partition that one fetch brought. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  lastOffset(): string;
  /**
   * Everything up to `offset` is handled (for a batch left half done when the member stops or
   * loses the partition). A batch handed back while still ours is done as a whole: the member
   * does not fetch it again (what is committed is another matter: `commit`).
   */
  resolveOffset(offset: string): void;
  /** Tells the group this member is alive (a long batch must call it between messages). */
  heartbeat(): Promise<void>;
  /** False once the member is stopping or its partitions were taken away. */
  stillOurs(): boolean;
  /** Commits through the generation that fetched this batch. */
  commit: CommitOffsets;
}

/** What a consumer group member tells its owner. */
export interface GroupEvents {
  /** A (re)join: the partitions this member now owns, per topic. */
  assigned(assignment: Record<string, number[]>): void;
  /** The member left the group (a stop or a crash). */
  left(): void;
  /** The group prepares its next generation: this one can still commit. */
  rebalancing(): void;
  /**
   * The member crashed: its generation is gone. `willRestart`: the client brings it back by
   * itself (a retriable cause); otherwise it stays down until its owner starts a new one.
   */
  crashed(error: Error, willRestart: boolean): void;
}

export interface ConsumerGroupRun {
  topics: string[];
  /** Where a partition the group never committed starts: its first message, or its end. */
  fromBeginning: boolean;
  /** How many partitions' batches are handled side by side. */
  concurrency: number;
  eachBatch(batch: FetchedBatch): Promise<void>;
}

/**
 * One member of a consumer group: joins, fetches, hands over batches, leaves. Offsets are
 * committed only through `FetchedBatch.commit` (ADR 0013): the client commits nothing by itself.
 */
export interface ConsumerGroupMember {
  run(options: ConsumerGroupRun): Promise<void>;
  /** Leaves the group after the batches in flight are done. */
  stop(): Promise<void>;
}

export interface GroupMemberOptions {
  /** Longest a fetch waits for a message (default 2 s): also how long a stop may wait. */
  maxWaitMs?: number;
}

export type CreateGroupMember = (groupId: string, events: GroupEvents) => ConsumerGroupMember;

/** One client's connection settings, and what it makes. */
export interface KafkaClient {
  /** Which adapter this is (`KAFKA_CLIENT`). */
  readonly name: KafkaClientName;
  /** An idempotent publisher that replaces its producer when the client says it is broken. */
  publisher(): Publisher;
  admin(): Admin;
  groupMember(
    groupId: string,
    events: GroupEvents,
    options?: GroupMemberOptions,
  ): ConsumerGroupMember;
}
