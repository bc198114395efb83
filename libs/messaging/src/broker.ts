/**
 * What the messaging library needs of a Kafka client, in its own words (ADR 0018). The kafkajs
 * adapter (`./kafkajs`) implements it; the consumer, outbox and dead-letter code see only this
 * and the client types re-exported there, so a move to another client touches one folder.
 */
export type { Admin, IHeaders, Kafka, KafkaMessage, Producer } from './kafkajs/client-types';
import type { KafkaMessage } from './kafkajs/client-types';

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
  /** Everything up to `offset` is handled: a rebalance does not hand it out again. */
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
  fromBeginning: boolean;
  /** How many partitions' batches are handled side by side. */
  concurrency: number;
  eachBatch(batch: FetchedBatch): Promise<void>;
}

/** One member of a consumer group: joins, fetches, hands over batches, leaves. */
export interface ConsumerGroupMember {
  run(options: ConsumerGroupRun): Promise<void>;
  /** Leaves the group after the batches in flight are done. */
  stop(): Promise<void>;
}

export type CreateGroupMember = (groupId: string, events: GroupEvents) => ConsumerGroupMember;
