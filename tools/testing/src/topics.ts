import { ALL_TOPICS } from '@ticketing/contracts';
import { TopicNamespace } from '@ticketing/messaging';
import { ensureTopics } from '@ticketing/messaging/wiring';
import { testKafka } from './kafka';
import { randomSuffix } from './ids';

/**
 * Every topic of the system (and its DLT) under a prefix of this test file's own, so the
 * deployments that other test files run at the same time never see its messages.
 */
export async function createTopicNamespace(brokers?: string[]): Promise<TopicNamespace> {
  const ns = new TopicNamespace(`t${randomSuffix()}.`);
  await ensureTopics(
    testKafka(brokers),
    ALL_TOPICS.map((t) => ns.name(t)),
    { partitions: 3 },
  );
  return ns;
}

/** Topics that only tests create: `t<hex>.<topic>` namespaces and `test.*` topics. */
export const TEST_TOPIC = /^(t[0-9a-f]{10}\.|test\.)/;

export async function deleteTestTopics(): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => TEST_TOPIC.test(t));
    for (let i = 0; i < topics.length; i += 100)
      await admin.deleteTopics({ topics: topics.slice(i, i + 100), timeout: 30_000 });
    return topics.length;
  } finally {
    await admin.disconnect();
  }
}
