import { ALL_TOPICS } from '@ticketing/contracts';
import { TopicNamespace, ensureTopics } from '@ticketing/messaging';
import { testKafka } from './kafka';
import { randomSuffix } from './ids';

/**
 * Every topic of the system (and its DLT) under a prefix of this test file's own, so the
 * deployments that other test files run at the same time never see its messages.
 */
export async function createTopicNamespace(): Promise<TopicNamespace> {
  const ns = new TopicNamespace(`t${randomSuffix()}.`);
  await ensureTopics(
    testKafka(),
    ALL_TOPICS.map((t) => ns.name(t)),
    { partitions: 3 },
  );
  return ns;
}
