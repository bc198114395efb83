import { ALL_TOPICS } from '@ticketing/contracts';
import { TopicNamespace } from '@ticketing/messaging';
import { ensureTopics } from '@ticketing/messaging/wiring';
import { testKafka } from './kafka';
import { testRunId, topicSuffix } from './ids';

/**
 * Every topic of the system (and its DLT) under a prefix of this test file's own, so the
 * deployments that other test files run at the same time never see its messages.
 */
export async function createTopicNamespace(brokers?: string[]): Promise<TopicNamespace> {
  const ns = new TopicNamespace(`t${topicSuffix()}.`);
  await ensureTopics(
    testKafka(brokers),
    ALL_TOPICS.map((t) => ns.name(t)),
    { partitions: 3 },
  );
  return ns;
}

/**
 * The topics one run's tests create: `t<run><hex>.<topic>` namespaces and `test.<name>.<run><hex>`
 * topics (with their DLTs). Another run's topics, on the same broker at the same time, do not match.
 */
export const runTopics = (runId: string): RegExp =>
  new RegExp(`^(t${runId}[0-9a-f]{6}\\.|test\\..+\\.${runId}[0-9a-f]{6}(\\.dlt)?$)`);

/** Deletes this run's topics (an idle broker keeping thousands of partitions spends CPU on them). */
export async function deleteRunTopics(runId = testRunId()): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ours = runTopics(runId);
    const topics = (await admin.listTopics()).filter((t) => ours.test(t));
    for (let i = 0; i < topics.length; i += 100) await admin.deleteTopics(topics.slice(i, i + 100));
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}
