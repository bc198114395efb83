// @slow 60: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import {
  captureLogs,
  eventually,
  PrivateKafka,
  randomSuffix,
  testKafka,
  uuid,
  describeNeeding,
} from '@ticketing/testing';
import { MessageConsumer, on } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { directUnitOfWork, type DirectContext } from '../src/unit-of-work';
import { kafkaClientFrom } from '@ticketing/platform';
import type { Publisher } from '../src/broker';
import { createKafka } from '../src/kafka-client';
import { ensureTopics } from '../src/topics';
import { sequenceContract } from './fixtures';

/**
 * A consumer must outlive its broker: after a broker restart it consumes again, and a handler
 * that replies through the producer (the queue service's shape) gets its replies out. kafkajs
 * alone gives up for good on some crashes (restart: false), @platformatic/kafka on every one,
 * and the service would stay "ready" while consuming nothing.
 */
const suite = describeNeeding(
  'java',
  PrivateKafka.available(),
  "Java 17+ is needed to run a Kafka broker of this suite's own (apt-get install openjdk-17-jre-headless)",
);
suite('consumer across broker restarts', () => {
  let kafka: PrivateKafka;
  let producer: Publisher;
  let consumer: MessageConsumer<DirectContext>;
  const handled = new Set<string>();
  const { logger } = captureLogs('broker-restart');
  const pings = `pings-${randomSuffix()}`;
  const pongs = `pongs-${randomSuffix()}`;

  beforeAll(async () => {
    kafka = await PrivateKafka.start();
    const client = createKafka({
      client: kafkaClientFrom(process.env),
      brokers: kafka.brokers,
      clientId: 'restart-test',
      logger,
    });
    await ensureTopics(client, [pings, pongs], { partitions: 3 });
    producer = client.publisher();
    await producer.connect();
    consumer = new MessageConsumer<DirectContext>({
      kafka: client,
      groupId: `restart-${uuid()}`,
      logger,
      producer,
      unitOfWork: directUnitOfWork(producer, 'test'),
      handlers: [
        on(sequenceContract(pings), async ({ data }, ctx) => {
          handled.add(data.key);
          // Slow enough that replies are still being produced when the broker goes away.
          await new Promise((r) => setTimeout(r, 200));
          ctx.send(sequenceContract(pongs), { key: data.key, seq: data.seq });
        }),
      ],
    });
    const assigned = consumer.waitForAssignment(60_000);
    await consumer.start();
    await assigned;
  }, 180_000);

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await kafka?.destroy();
  }, 60_000);

  /** Sent by a client of the test's own, so the consumer's producer only carries replies. */
  const send = async (key: string) => {
    const client = testKafka(kafka.brokers).publisher();
    await client.connect();
    try {
      const m = buildMessage(sequenceContract(pings), { key, seq: 0 }, { source: 't' });
      await client.send({
        topic: pings,
        messages: [{ key: m.key, value: JSON.stringify(m.envelope), headers: m.headers }],
      });
    } finally {
      await client.disconnect();
    }
  };
  const sendEventually = (key: string) =>
    eventually(() => send(key), { timeoutMs: 60_000, intervalMs: 500 });

  it.each([1, 2])(
    'when the broker stops for 10 s under traffic and starts again (round %i), then every partition is consumed again and the consumer is healthy',
    async () => {
      const before = uuid();
      await sendEventually(before);
      await eventually(() => expect(handled.has(before)).toBe(true), { timeoutMs: 30_000 });
      // Traffic during the outage: pings sent just before the stop are handled while the
      // broker is gone, so their replies meet a dead broker.
      await Promise.all(Array.from({ length: 30 }, () => send(uuid())));
      await kafka.stop();
      await new Promise((r) => setTimeout(r, 10_000)); // how long the outage lasts
      await kafka.startAgain();
      const after = Array.from({ length: 12 }, () => uuid()); // keys over every partition
      for (const key of after) await sendEventually(key);
      await eventually(() => expect(after.filter((k) => !handled.has(k))).toEqual([]), {
        timeoutMs: 60_000,
      });
      expect(consumer.healthy()).toBe(true);
    },
    150_000,
  );
});
