import {
  captureLogs,
  clusterAdmin,
  eventually,
  testKafka,
  topicSuffix,
  uuid,
} from '@ticketing/testing';
import { MessageConsumer, on } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { directUnitOfWork, publishNow, type DirectContext } from '../src/unit-of-work';
import type { CreateGroupMember, Publisher } from '../src/broker';
import { dltOf, ensureTopics } from '../src/topics';
import { sequenceContract } from './fixtures';

/** A dead-letter topic that refuses every dead letter (each is larger than 200 bytes). */
const SMALL = { 'max.message.bytes': '200' };

/**
 * A topic and its dead-letter topic, the latter created refusing dead letters: created so, not
 * altered after (a topic config change reaches the broker's log a moment later, and a dead
 * letter sent meanwhile would be accepted).
 */
const createRefusingDlt = (topic: string) =>
  ensureTopics(testKafka(), [topic], { partitions: 1, config: { [dltOf(topic)]: SMALL } });

/**
 * kafkajs restarts a crashed consumer only when the root cause is retriable, and
 * @platformatic/kafka never does; after such a crash the consumer stays down while the service
 * looks healthy. Here the dead-letter topic refuses the message (MESSAGE_TOO_LARGE, not
 * retriable), so the consumer crashes for good as far as the client is concerned; it must report
 * itself unhealthy, keep restarting, and carry on once the dead-letter topic accepts the message
 * again.
 */
describe('consumer after a crash its client does not restart from', () => {
  const topic = `test.crash.${topicSuffix()}`;
  const { logger, lines } = captureLogs('crash-test');
  let producer: Publisher;
  let consumer: MessageConsumer<DirectContext>;
  const handled: string[] = [];

  const dltMaxBytes = (bytes: number) =>
    clusterAdmin().setTopicConfig(dltOf(topic), { 'max.message.bytes': String(bytes) });

  beforeAll(async () => {
    await createRefusingDlt(topic);
    producer = testKafka().publisher();
    await producer.connect();
    consumer = new MessageConsumer<DirectContext>({
      kafka: testKafka(),
      groupId: `crash-${uuid()}`,
      logger,
      producer,
      unitOfWork: directUnitOfWork(producer, 'test'),
      handlers: [
        on(sequenceContract(topic), async ({ data }) => {
          handled.push(data.key);
        }),
      ],
    });
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
  });

  afterAll(async () => {
    await consumer.stop();
    await producer.disconnect();
  });

  it('when the dead-letter send fails for good, then the consumer is reported down, restarts itself and carries on once it can', async () => {
    await producer.send({ topic, messages: [{ key: 'x', value: 'not an envelope '.repeat(40) }] });
    await eventually(() => expect(consumer.healthy()).toBe(false), { timeoutMs: 30_000 });
    await expect(consumer.readinessCheck()).rejects.toThrow(/kafka consumer down/);
    await eventually(
      () =>
        expect(
          lines().filter((l) => String(l.msg).startsWith('kafka consumer crashed')).length,
        ).toBeGreaterThanOrEqual(2), // it keeps trying, the same message each time
      { timeoutMs: 30_000 },
    );

    await dltMaxBytes(1_000_000);
    const key = uuid();
    await publishNow(producer, [
      buildMessage(sequenceContract(topic), { key, seq: 1 }, { source: 't' }),
    ]);
    await eventually(() => expect(handled).toContain(key), { timeoutMs: 30_000 });
    expect(consumer.healthy()).toBe(true);
    await expect(consumer.readinessCheck()).resolves.toBeUndefined();
  }, 90_000);
});

/**
 * A stop that arrives while the consumer is restarting itself after such a crash: the restart
 * in flight must finish (or give up) before stop() returns, and nothing may run afterwards.
 */
describe('stopping a consumer while it restarts itself', () => {
  const topic = `test.crash-stop.${topicSuffix()}`;
  const { logger } = captureLogs('crash-stop-test');
  let producer: Publisher;

  beforeAll(async () => {
    await createRefusingDlt(topic);
    producer = testKafka().publisher();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  it('when stop() is called while the restarted consumer is connecting, then it returns only once that consumer is stopped, and nothing runs after it', async () => {
    // The client's real group members; those made after the first record what is done to them,
    // and their run() waits at a gate the test opens before it joins.
    const kafka = testKafka();
    const events: string[] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let made = 0;
    const member: CreateGroupMember = (groupId, groupEvents) => {
      const real = kafka.groupMember(groupId, groupEvents);
      if (++made === 1) return real;
      return {
        run: async (options) => {
          events.push('connect');
          await gate;
          events.push('connected');
          await real.run(options);
          events.push('run');
        },
        stop: async () => {
          events.push('disconnect');
          await real.stop();
        },
      };
    };
    const consumer = new MessageConsumer<DirectContext>({
      kafka,
      member,
      groupId: `crash-stop-${uuid()}`,
      logger,
      producer,
      unitOfWork: directUnitOfWork(producer, 'test'),
      handlers: [on(sequenceContract(topic), async () => undefined)],
    });
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;

    await producer.send({ topic, messages: [{ key: 'x', value: 'not an envelope '.repeat(40) }] });
    // Crashed for good; the restart is connecting its new consumer.
    await eventually(() => expect(events).toContain('connect'), { timeoutMs: 30_000 });
    const stopped = consumer.stop();
    openGate();
    await stopped;

    // stop() returned only once the restart in flight was done with its consumer…
    expect(events).toContain('connected');
    // …and the last thing done to that consumer is a disconnect: nothing runs after stop().
    expect(events.lastIndexOf('disconnect')).toBeGreaterThan(
      Math.max(events.lastIndexOf('connected'), events.lastIndexOf('run')),
    );
  }, 60_000);
});
