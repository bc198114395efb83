import { ensureTopics } from '@ticketing/messaging/wiring';
import { clusterAdmin, eventually, testKafka, topicSuffix } from '../src';

/**
 * What tests administer beside the Kafka port behaves the same whichever client a run tests
 * (`KAFKA_CLIENT`): a topic setting changed is that setting alone. (A grant needs a broker that
 * enforces ACLs: services/wallet/test/kafka-security.int.)
 */
describe("the tests' cluster admin", () => {
  it('when a topic setting is set, then the topic has it, and its other settings stay as they were', async () => {
    const topic = `test.cluster-admin.${topicSuffix()}`;
    const created = { 'max.message.bytes': '200', 'retention.ms': '3600000' };
    await ensureTopics(testKafka(), [topic], {
      partitions: 1,
      withDlt: false,
      config: { [topic]: created },
    });
    const admin = clusterAdmin();
    await eventually(async () => expect(await admin.topicConfig(topic)).toMatchObject(created));

    await admin.setTopicConfig(topic, { 'max.message.bytes': '1000000' });

    await eventually(async () =>
      expect(await admin.topicConfig(topic)).toMatchObject({
        'max.message.bytes': '1000000',
        'retention.ms': '3600000',
      }),
    );
  });
});
