import { captureLogs, createTestTopics, eventually, testKafka, uuid } from '@ticketing/testing';
import { Registry } from 'prom-client';
import { MessageConsumer, on } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { directUnitOfWork, type DirectContext } from '../src/unit-of-work';
import type { Publisher } from '../src/broker';
import { sequenceContract } from './fixtures';

/**
 * A stalled consumer is visible: while a handler waits (an outage of what it writes to, say),
 * the group's lag on that partition grows and its last progress stays put, and the instance
 * stays ready; when the handler goes on, the lag drains.
 */
describe('consumer lag and progress', () => {
  let producer: Publisher;
  let topic: string;
  let consumer: MessageConsumer<DirectContext>;
  const metrics = new Registry();
  const groupId = `test-progress-${uuid()}`;
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => (release = resolve));

  beforeAll(async () => {
    [topic] = await createTestTopics('progress');
    producer = testKafka().publisher();
    await producer.connect();
    consumer = new MessageConsumer<DirectContext>({
      kafka: testKafka(),
      groupId,
      logger: captureLogs('progress-test').logger,
      producer,
      unitOfWork: directUnitOfWork(producer, 'test'),
      metrics,
      handlers: [
        on(sequenceContract(topic!), async (message) => {
          if (message.data.key.startsWith('stall-')) await stalled;
        }),
      ],
    });
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
  });
  afterAll(async () => {
    release();
    await consumer.stop();
    await producer.disconnect();
  });

  const values = async (name: string) =>
    (await metrics.getSingleMetric(name)!.get()).values.map((v) => ({
      labels: v.labels,
      value: v.value,
    }));
  const lagOf = async (partition: number) =>
    (await values('kafka_consumer_lag')).find(
      (v) => v.labels.topic === topic && v.labels.partition === String(partition),
    )?.value;

  it('when a handler stalls on a partition, then its lag grows and its progress stops while the instance stays ready; when it goes on, the lag drains', async () => {
    expect(await values('kafka_consumer_running')).toEqual([
      { labels: { group: groupId }, value: 1 },
    ]);
    const contract = sequenceContract(topic);
    const key = `stall-${uuid()}`;
    const messages = Array.from({ length: 5 }, (_, i) =>
      buildMessage(contract, { key, seq: i + 1 }, { source: 'test' }),
    );
    const sent = await producer.send({
      topic,
      messages: messages.map((m) => ({
        key: m.key,
        value: JSON.stringify(m.envelope),
        headers: m.headers,
      })),
    });
    const partition = sent[0]!.partition;

    await eventually(async () => expect(await lagOf(partition)).toBe(5), { timeoutMs: 15_000 });
    // Taken once all five wait: a join restamps progress (`joined`), and on a loaded broker the
    // group's first join can be followed by another (a CI run saw progress 15 ms after the send).
    const stalledAt = Date.now() / 1000;
    const progress = (await values('kafka_consumer_last_progress_timestamp_seconds')).find(
      (v) => v.labels.topic === topic && v.labels.partition === String(partition),
    );
    expect(progress!.value).toBeLessThanOrEqual(stalledAt);
    // High lag is no reason to take the instance out of service.
    await expect(consumer.readinessCheck()).resolves.toBeUndefined();

    release();
    await eventually(async () => expect(await lagOf(partition)).toBe(0), { timeoutMs: 15_000 });
    const after = (await values('kafka_consumer_last_progress_timestamp_seconds')).find(
      (v) => v.labels.topic === topic && v.labels.partition === String(partition),
    );
    expect(after!.value).toBeGreaterThan(stalledAt);
  });
});
