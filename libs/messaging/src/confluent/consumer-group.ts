import { KafkaJS } from '@confluentinc/kafka-javascript';
import type {
  ConsumerGroupMember,
  ConsumerGroupRun,
  GroupEvents,
  GroupMemberOptions,
  CommitOffsets,
  OffsetsToCommit,
} from '../broker';
import { handOverBatch } from '../kafkajs-api';
import { MemberLifecycle, fetchWaitMs } from '../member-lifecycle';
import { call, connecting, portError } from './errors';
import type { LibrdkafkaLog } from './logging';
import { consumerConfig } from './settings';

const byTopic = (assignment: KafkaJS.TopicPartition[]): Record<string, number[]> => {
  const topics: Record<string, number[]> = {};
  for (const { topic, partition } of assignment) (topics[topic] ??= []).push(partition);
  return topics;
};

const toCommit = (offsets: OffsetsToCommit): KafkaJS.TopicPartitionOffsetAndMetadata[] =>
  offsets.flatMap(({ topic, partitions }) =>
    partitions.map(({ partition, offset }) => ({ topic, partition, offset })),
  );

/**
 * A consumer group member on Confluent's client: librdkafka joins, heartbeats and fetches on its
 * own threads, and hands this member each partition's messages as a batch; offsets are committed
 * only through the batch (ADR 0013). librdkafka rejoins and reconnects by itself whatever the
 * cause: the member crashes only when a batch's handler fails.
 */
export function confluentGroupMember(
  kafka: KafkaJS.Kafka,
  log: LibrdkafkaLog,
  groupId: string,
  events: GroupEvents,
  options: GroupMemberOptions = {},
): ConsumerGroupMember {
  const lifecycle = new MemberLifecycle();
  let consumer: KafkaJS.Consumer | undefined;
  let joined: () => void = () => undefined;

  /** The group's rebalances as the port's events; librdkafka applies the assignment itself. */
  const rebalance = (err: { code: number }, assignment: KafkaJS.TopicPartition[]) => {
    if (err.code === KafkaJS.ErrorCodes.ERR__ASSIGN_PARTITIONS) {
      events.assigned(byTopic(assignment));
      joined();
    } else if (err.code === KafkaJS.ErrorCodes.ERR__REVOKE_PARTITIONS) events.rebalancing();
  };

  /** Up to the group join: resolves at the first assignment (none, when the group has more members). */
  async function start({ topics, fromBeginning, concurrency, eachBatch }: ConsumerGroupRun) {
    const created = (consumer = kafka.consumer({
      ...consumerConfig(groupId, fromBeginning, fetchWaitMs(options)),
      rebalance_cb: rebalance,
    }));
    await connecting(() => created.connect(), log);
    await lifecycle.subscribe(() => call(() => created.subscribe({ topics })));
    if (lifecycle.stopping) return;
    const inGroup = new Promise<void>((resolve) => (joined = resolve));
    await call(() =>
      created.run({
        partitionsConsumedConcurrently: concurrency,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          if (lifecycle.crashed || !payload.isRunning() || payload.isStale()) return;
          const commit: CommitOffsets = (offsets) =>
            call(() => created.commitOffsets(toCommit(offsets)));
          // A failed handler: down for good, as the other adapters' (librdkafka would hand the
          // batch again, and again); its owner starts a new member from what was committed.
          await handOverBatch(payload, eachBatch, commit, () => !lifecycle.crashed).catch(
            (err: unknown) => void lifecycle.crash(events, portError(err)),
          );
        },
      }),
    );
    await inGroup;
  }

  return {
    async run(runOptions: ConsumerGroupRun) {
      await lifecycle.joining(start(runOptions));
    },
    async stop() {
      const joinOver = lifecycle.stop();
      joined(); // a join waited for ends with the stop
      await joinOver;
      if (!consumer) return;
      await call(() => consumer!.disconnect());
      events.left();
    },
  };
}
