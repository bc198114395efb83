import { Admin as PlatformaticAdmin, ListOffsetTimestamps } from '@platformatic/kafka';
import type { Admin, TopicToCreate } from '../broker';
import { call, onlyAlreadyExists } from './errors';
import { logBrokerFailures } from './logging';
import { connection, type ClientSettings } from './settings';

/** Kafka 4 names a group's states in capitals; the project (and kafkajs) as Kafka 2 did. */
const STATE: Record<string, string> = {
  PREPARING_REBALANCE: 'PreparingRebalance',
  COMPLETING_REBALANCE: 'CompletingRebalance',
  STABLE: 'Stable',
  DEAD: 'Dead',
  EMPTY: 'Empty',
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The @platformatic/kafka admin client as the project's admin. */
export function platformaticAdmin(settings: ClientSettings): Admin {
  const admin = new PlatformaticAdmin(connection(settings));
  logBrokerFailures(admin, settings.logger);
  const metadata = (topics: string[]) => call(() => admin.metadata({ topics, forceUpdate: true }));
  const partitionsOf = async (topics: string[]) => {
    const known = await metadata(topics);
    return topics.map((topic) => ({
      topic,
      partitions: range(known.topics.get(topic)!.partitionsCount),
    }));
  };
  const offsetsAt = async (topic: string, partitions: number[], timestamp: bigint) => {
    const [listed] = await call(() =>
      admin.listOffsets({
        topics: [
          { name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, timestamp })) },
        ],
      }),
    );
    return new Map((listed?.partitions ?? []).map((p) => [p.partitionIndex, String(p.offset)]));
  };
  return {
    // Asks the cluster for its brokers: a refused connection or login fails here.
    connect: async () => void (await metadata([])),
    disconnect: () => call(() => admin.close()),
    async describeCluster() {
      const { brokers } = await metadata([]);
      return { brokers: [...brokers.keys()].map((nodeId) => ({ nodeId })) };
    },
    listTopics: () => call(() => admin.listTopics()),
    async createTopics(topics) {
      // One request per set of settings: the client's settings apply to every topic of a call.
      const bySettings = new Map<string, TopicToCreate[]>();
      for (const t of topics) {
        const key = JSON.stringify(t.config ?? {});
        bySettings.set(key, [...(bySettings.get(key) ?? []), t]);
      }
      for (const [key, group] of bySettings) {
        const config = JSON.parse(key) as Record<string, string>;
        await call(() =>
          admin.createTopics({
            topics: group.map((t) => ({ topic: t.topic, partitions: t.partitions, replicas: -1 })),
            configs: Object.entries(config).map(([name, value]) => ({ name, value })),
          }),
        ).catch((err: unknown) => {
          if (!onlyAlreadyExists(err)) throw err;
        });
      }
    },
    deleteTopics: (topics) => call(() => admin.deleteTopics({ topics })),
    async topicMetadata(topics) {
      const known = await metadata(topics);
      return topics.flatMap((topic) => {
        const t = known.topics.get(topic);
        return t
          ? [
              {
                topic,
                partitions: t.partitions.map((p, partition) => ({
                  partition,
                  leader: p.leader,
                  replicas: p.replicas,
                  isr: p.isr,
                })),
              },
            ]
          : [];
      });
    },
    async topicOffsets(topic) {
      const partitions = (await partitionsOf([topic]))[0]!.partitions;
      const [low, high] = await Promise.all([
        offsetsAt(topic, partitions, ListOffsetTimestamps.EARLIEST),
        offsetsAt(topic, partitions, ListOffsetTimestamps.LATEST),
      ]);
      return partitions.map((partition) => ({
        partition,
        low: low.get(partition) ?? '0',
        high: high.get(partition) ?? '0',
      }));
    },
    async groupOffsets(groupId, topics) {
      const wanted = await partitionsOf(topics);
      const [group] = await call(() =>
        admin.listConsumerGroupOffsets({
          groups: [
            {
              groupId,
              topics: wanted.map((t) => ({ name: t.topic, partitionIndexes: t.partitions })),
            },
          ],
        }),
      );
      return wanted.map(({ topic, partitions }) => {
        const committed = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
        return {
          topic,
          partitions: partitions.map((partition) => {
            const offset = committed.find((p) => p.partitionIndex === partition)?.committedOffset;
            return {
              partition,
              offset: offset === undefined || offset < 0n ? '-1' : String(offset),
            };
          }),
        };
      });
    },
    async describeGroups(groupIds) {
      const groups = await call(() => admin.describeGroups({ groups: groupIds }));
      return [...groups.values()].map((g) => ({
        groupId: g.id,
        state: STATE[g.state] ?? g.state,
        members: g.members.size,
      }));
    },
    deleteGroups: (groupIds) => call(() => admin.deleteGroups({ groups: groupIds })),
  };
}
