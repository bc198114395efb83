import { KafkaJS, type RdKafka } from '@confluentinc/kafka-javascript';
import type { Admin } from '../broker';
import { KAFKA_CLIENT_SETTINGS } from '../client-settings';
import { topicMetadataOf } from '../kafkajs-api';
import { CommittedOffsets } from './committed-offsets';
import { call, connecting } from './errors';
import type { LibrdkafkaLog } from './logging';

const entries = (config: Record<string, string> = {}) =>
  Object.entries(config).map(([name, value]) => ({ name, value }));

/**
 * How long an admin operation may take: longer than its request to the broker may
 * (`requestTimeout`, librdkafka's `socket.timeout.ms`), so that the request fails first and the
 * operation with it. librdkafka's admin requests sent through a group's coordinator can abort the
 * process when one fails (librdkafka issue 4605, open): a group's offsets are read as its
 * consumers read them (`CommittedOffsets`), and only `describeGroups`, which tests and tools
 * call on a calm cluster, still goes that way.
 */
const timeout = 2 * KAFKA_CLIENT_SETTINGS.requestTimeoutMs;

/** Kafka's names of a group's states, as the other clients give them. */
const STATE_NAMES: Record<KafkaJS.ConsumerGroupStates, string> = {
  [KafkaJS.ConsumerGroupStates.UNKNOWN]: 'Unknown',
  [KafkaJS.ConsumerGroupStates.PREPARING_REBALANCE]: 'PreparingRebalance',
  [KafkaJS.ConsumerGroupStates.COMPLETING_REBALANCE]: 'CompletingRebalance',
  [KafkaJS.ConsumerGroupStates.STABLE]: 'Stable',
  [KafkaJS.ConsumerGroupStates.DEAD]: 'Dead',
  [KafkaJS.ConsumerGroupStates.EMPTY]: 'Empty',
};

/** librdkafka's own client under a KafkaJS-compatible one: its metadata names the brokers. */
interface WithInternalClient {
  _getInternalClient(): RdKafka.Producer;
}

/**
 * Confluent's admin client as the project's admin, on the connection of a producer that sends
 * nothing: the client has no DescribeCluster, and the producer's own client (librdkafka's) answers
 * a metadata request with the cluster's brokers. One librdkafka instance, not two.
 */
export function confluentAdmin(kafka: KafkaJS.Kafka, log: LibrdkafkaLog): Admin {
  const connection = kafka.producer();
  const admin = connection.dependentAdmin();
  const offsets = new CommittedOffsets(kafka, log, timeout);
  const metadata = () =>
    new Promise<RdKafka.Metadata>((resolve, reject) =>
      (connection as unknown as WithInternalClient)
        ._getInternalClient()
        .getMetadata({ allTopics: false, timeout }, (err, data) =>
          err ? reject(err) : resolve(data),
        ),
    );
  return {
    async connect() {
      await connecting(() => connection.connect(), log);
      await call(() => admin.connect());
    },
    async disconnect() {
      await offsets.close();
      await call(() => admin.disconnect());
      await call(() => connection.disconnect());
    },
    async describeCluster() {
      const { brokers } = await call(metadata);
      return { brokers: brokers.map((b) => ({ nodeId: b.id })) };
    },
    listTopics: () => call(() => admin.listTopics({ timeout })),
    async createTopics(topics) {
      try {
        await call(() =>
          admin.createTopics({
            timeout,
            topics: topics.map((t) => ({
              topic: t.topic,
              numPartitions: t.partitions,
              replicationFactor: -1,
              configEntries: entries(t.config),
            })),
          }),
        );
      } catch (err) {
        // As the other clients: a topic that exists already is made.
        if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
      }
    },
    deleteTopics: (topics) => call(() => admin.deleteTopics({ topics, timeout: 30_000 })),
    async topicMetadata(topics) {
      return topicMetadataOf(await call(() => admin.fetchTopicMetadata({ topics, timeout })));
    },
    async topicOffsets(topic) {
      const offsets = await call(() =>
        admin.fetchTopicOffsets(topic, {
          timeout,
          isolationLevel: KafkaJS.IsolationLevel.READ_UNCOMMITTED,
        }),
      );
      return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
    },
    async groupOffsets(groupId, topics) {
      const known = await call(() => admin.fetchTopicMetadata({ topics, timeout }));
      const committed = await offsets.of(
        groupId,
        known.flatMap(({ name, partitions }) =>
          partitions.map(({ partitionId }) => ({ topic: name, partition: partitionId })),
        ),
      );
      return known.map(({ name }) => ({
        topic: name,
        partitions: committed
          .filter((c) => c.topic === name)
          .map(({ partition, offset }) => ({ partition, offset })),
      }));
    },
    async describeGroups(groupIds) {
      const { groups } = await call(() => admin.describeGroups(groupIds, { timeout }));
      return groups.map((g) => ({
        groupId: g.groupId,
        state: STATE_NAMES[g.state],
        members: g.members.length,
      }));
    },
    async deleteGroups(groupIds) {
      await call(() => admin.deleteGroups(groupIds, { timeout }));
    },
  };
}
