import type { Kafka } from './broker';

export const dltOf = (topic: string) => `${topic}.dlt`;

/**
 * Creates topics (and their dead-letter topics) that do not exist yet and waits for their
 * leaders. kafkajs fails the first produce to a missing topic under KRaft, so nothing may rely
 * on auto-creation.
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: string[],
  options: { partitions?: number; withDlt?: boolean } = {},
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap((t) => (options.withDlt === false ? [t] : [t, dltOf(t)]));
    const missing = [...new Set(wanted)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: topic.endsWith('.dlt') ? 1 : (options.partitions ?? 6),
          replicationFactor: -1, // the broker's default: 1 on a single node, 3 in a cluster
        })),
      });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
