import type { Kafka } from 'kafkajs';
import type { Admin } from '../broker';
import { topicMetadataOf } from '../kafkajs-api';

const entries = (config: Record<string, string> = {}) =>
  Object.entries(config).map(([name, value]) => ({ name, value }));

/** The kafkajs admin client as the project's admin. */
export function kafkajsAdmin(kafka: Kafka): Admin {
  const admin = kafka.admin();
  return {
    connect: () => admin.connect(),
    disconnect: () => admin.disconnect(),
    async describeCluster() {
      const { brokers } = await admin.describeCluster();
      return { brokers: brokers.map((b) => ({ nodeId: b.nodeId })) };
    },
    listTopics: () => admin.listTopics(),
    async createTopics(topics) {
      // kafkajs resolves false, without an error, for topics that exist already.
      await admin.createTopics({
        waitForLeaders: false, // its wait gives up when the broker has not heard of a topic yet
        topics: topics.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: -1,
          configEntries: entries(t.config),
        })),
      });
    },
    deleteTopics: (topics) => admin.deleteTopics({ topics, timeout: 30_000 }),
    async topicMetadata(topics) {
      const { topics: known } = await admin.fetchTopicMetadata({ topics });
      return topicMetadataOf(known);
    },
    async topicOffsets(topic) {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.map(({ partition, low, high }) => ({ partition, low, high }));
    },
    async groupOffsets(groupId, topics) {
      const offsets = await admin.fetchOffsets({ groupId, topics });
      return offsets.map(({ topic, partitions }) => ({
        topic,
        partitions: partitions.map(({ partition, offset }) => ({ partition, offset })),
      }));
    },
    async describeGroups(groupIds) {
      const { groups } = await admin.describeGroups(groupIds);
      return groups.map((g) => ({ groupId: g.groupId, state: g.state, members: g.members.length }));
    },
    async deleteGroups(groupIds) {
      await admin.deleteGroups(groupIds);
    },
  };
}
