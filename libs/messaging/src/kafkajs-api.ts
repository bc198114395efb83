import type { ConsumerGroupRun, CommitOffsets, KafkaMessage, TopicMetadata } from './broker';

/*
 * What the two adapters on a KafkaJS-shaped API (kafkajs itself and Confluent's
 * KafkaJS-compatible client) translate the same way, typed by shape so that neither client is
 * imported here.
 */

/** A topic's metadata as a KafkaJS-shaped admin answers it. */
interface KafkajsTopicMetadata {
  name: string;
  partitions: { partitionId: number; leader: number; replicas: number[]; isr: number[] }[];
}

export const topicMetadataOf = (known: KafkajsTopicMetadata[]): TopicMetadata[] =>
  known.map((t) => ({
    topic: t.name,
    partitions: t.partitions.map((p) => ({
      partition: p.partitionId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
    })),
  }));

/** What a KafkaJS-shaped `eachBatch` is handed. */
interface KafkajsBatchPayload {
  batch: { topic: string; partition: number; messages: KafkaMessage[]; lastOffset(): string };
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  isStale(): boolean;
}

/**
 * Hands a fetched batch to the port's `eachBatch`, still ours while the member runs, the batch is
 * not stale and `ours()` says so; a batch handed back while still ours is done (the port's rule:
 * the client would fetch what is not resolved again, and again).
 */
export async function handOverBatch(
  payload: KafkajsBatchPayload,
  eachBatch: ConsumerGroupRun['eachBatch'],
  commit: CommitOffsets,
  ours: () => boolean = () => true,
): Promise<void> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
  const stillOurs = () => ours() && isRunning() && !isStale();
  await eachBatch({
    topic: batch.topic,
    partition: batch.partition,
    messages: batch.messages,
    lastOffset: () => batch.lastOffset(),
    resolveOffset,
    heartbeat,
    stillOurs,
    commit,
  });
  if (stillOurs()) resolveOffset(batch.lastOffset());
}
