import { NotYet, retryUntil } from '@ticketing/platform';
import type { Admin, KafkaClient } from './broker';

export const dltOf = (topic: string) => `${topic}.dlt`;

/**
 * Creates topics (and their dead-letter topics) that do not exist yet and waits for their
 * leaders. A client's first produce to a missing topic fails under KRaft, so nothing may rely on
 * auto-creation. `config`: settings of some of them by name (`max.message.bytes`, …).
 */
export async function ensureTopics(
  kafka: KafkaClient,
  topics: string[],
  options: {
    partitions?: number;
    withDlt?: boolean;
    config?: Record<string, Record<string, string>>;
  } = {},
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = topics.flatMap((t) => (options.withDlt === false ? [t] : [t, dltOf(t)]));
    const missing = [...new Set(wanted)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics(
        missing.map((topic) => ({
          topic,
          partitions: topic.endsWith('.dlt') ? 1 : (options.partitions ?? 6),
          config: options.config?.[topic],
        })),
      );
      await leadersKnown(admin, missing);
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

// A busy KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a topic the controller has created
// until its own metadata catches up (seen in CI beside a benchmark), so the wait is here.
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const LEADERS_WAIT_MS = 30_000;

function leadersKnown(admin: Admin, topics: string[]): Promise<void> {
  return retryUntil(
    async () => {
      const known = await admin.topicMetadata(topics);
      const led = known.filter(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (led.length < topics.length) throw new NotYet('a partition without a leader');
    },
    {
      timeoutMs: LEADERS_WAIT_MS,
      intervalMs: 100,
      retryOn: (err) => err instanceof NotYet || NOT_YET.has((err as { type?: string }).type ?? ''),
      onTimeout: () =>
        new Error(`topics without a leader after ${LEADERS_WAIT_MS} ms: ${topics.join(', ')}`),
    },
  );
}
