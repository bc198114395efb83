import { captureLogs, eventually, testKafka, topicSuffix, uuid } from '@ticketing/testing';
import { ConfigResourceTypes, type Admin, type Producer } from 'kafkajs';
import { MessageConsumer, on } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { directExecutor, publishNow, type DirectContext } from '../src/executors';
import { createProducer } from '../src/kafkajs';
import { dltOf } from '../src/topics';
import { sequenceContract } from './fixtures';

/** A dead-letter topic that refuses every dead letter (each is larger than 200 bytes). */
const SMALL = [{ name: 'max.message.bytes', value: '200' }];

/**
 * kafkajs restarts a crashed consumer only when the root cause is retriable; after any other
 * crash it stays down while the service looks healthy. Here the dead-letter topic refuses the
 * message (MESSAGE_TOO_LARGE, not retriable), so the consumer crashes for good as far as
 * kafkajs is concerned; it must report itself unhealthy, keep restarting, and carry on once
 * the dead-letter topic accepts the message again.
 */
describe('consumer after a crash kafkajs does not restart from', () => {
  const topic = `test.crash.${topicSuffix()}`;
  const { logger, lines } = captureLogs('crash-test');
  let admin: Admin;
  let producer: Producer;
  let consumer: MessageConsumer<DirectContext>;
  const handled: string[] = [];

  const dltMaxBytes = (bytes: number) =>
    admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: dltOf(topic),
          configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
        },
      ],
    });

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, replicationFactor: -1 },
        // Created with it, not altered after: a topic config change reaches the broker's log a
        // moment later, and a dead letter sent meanwhile would be accepted.
        { topic: dltOf(topic), numPartitions: 1, replicationFactor: -1, configEntries: SMALL },
      ],
    });
    producer = createProducer(testKafka());
    await producer.connect();
    consumer = new MessageConsumer<DirectContext>({
      kafka: testKafka(),
      groupId: `crash-${uuid()}`,
      logger,
      producer,
      executor: directExecutor(producer, 'test'),
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
    await admin.disconnect();
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
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    admin = testKafka().admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 1, replicationFactor: -1 },
        { topic: dltOf(topic), numPartitions: 1, replicationFactor: -1, configEntries: SMALL },
      ],
    });
    producer = createProducer(testKafka());
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('when stop() is called while the restarted consumer is connecting, then it returns only once that consumer is stopped, and nothing runs after it', async () => {
    // A real kafkajs client; the consumers it makes after the first record what is done to
    // them, and their connect() waits at a gate the test opens.
    const kafka = testKafka();
    const events: string[] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let made = 0;
    const makeConsumer = kafka.consumer.bind(kafka);
    kafka.consumer = (config) => {
      const real = makeConsumer(config);
      if (++made === 1) return real;
      const { connect, run, disconnect } = real;
      real.connect = async () => {
        events.push('connect');
        await gate;
        await connect.call(real);
        events.push('connected');
      };
      real.run = async (options) => {
        events.push('run');
        return run.call(real, options);
      };
      real.disconnect = async () => {
        events.push('disconnect');
        return disconnect.call(real);
      };
      return real;
    };
    const consumer = new MessageConsumer<DirectContext>({
      kafka,
      groupId: `crash-stop-${uuid()}`,
      logger,
      producer,
      executor: directExecutor(producer, 'test'),
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
