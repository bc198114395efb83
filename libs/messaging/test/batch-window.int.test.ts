import { captureLogs, createTestTopics, eventually, testKafka, uuid } from '@ticketing/testing';
import { MessageConsumer, on, type UnitOfWork } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { publishNow } from '../src/unit-of-work';
import type { Publisher } from '../src/broker';
import { sequenceContract } from './fixtures';

/**
 * The batch window (ADR 0014): a consumer fetches at most once per window, and the batches of one
 * fetch (one per partition) go to the unit of work in one call. Every call the unit of work gets
 * is recorded here with the partitions its messages came from.
 */
describe('consumer batch window', () => {
  let producer: Publisher;
  let topic: string;
  const { logger } = captureLogs('batch-window-test');

  beforeAll(async () => {
    producer = testKafka().publisher();
    await producer.connect();
  });

  // A topic of its own per test: a new group reads from the beginning.
  beforeEach(async () => {
    [topic] = await createTestTopics('window');
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  interface Calls {
    /** Each executeBatch call: the message ids it was given. */
    batches: string[][];
    /** Messages taken one by one (execute). */
    single: string[];
    handled: Map<string, number>;
  }

  function windowedConsumer(batchWindowMs: number, calls: Calls, failBatches = false) {
    const groupId = `window-${uuid()}`;
    const unitOfWork: UnitOfWork<object> = {
      execute: async (message, run) => {
        calls.single.push(message.id);
        await run({});
        return 'applied';
      },
      executeBatch: async (items) => {
        calls.batches.push(items.map((i) => i.message.id));
        if (failBatches) throw new Error('the unit of work failed');
        for (const item of items) await item.run({});
        return items.map(() => 'applied' as const);
      },
    };
    return new MessageConsumer<object>({
      kafka: testKafka(),
      groupId,
      logger,
      producer,
      unitOfWork,
      batchWindowMs,
      handlers: [
        on(sequenceContract(topic), async (m) => {
          calls.handled.set(m.id, Date.now());
        }),
      ],
    });
  }

  const newCalls = (): Calls => ({ batches: [], single: [], handled: new Map() });

  /**
   * Messages sent in one produce request, of distinct keys (or of one key: one partition); the
   * partitions they went to.
   */
  async function sendMany(
    count: number,
    key?: string,
  ): Promise<{ ids: string[]; partitions: number }> {
    const messages = Array.from({ length: count }, (_, seq) =>
      buildMessage(sequenceContract(topic), { key: key ?? `k-${uuid()}`, seq }, { source: 'test' }),
    );
    const written = await producer.send({
      topic,
      messages: messages.map((m) => ({ key: m.key, value: JSON.stringify(m.envelope) })),
    });
    return { ids: messages.map((m) => m.envelope.id), partitions: written.length };
  }

  async function started(consumer: MessageConsumer<object>) {
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
    return consumer;
  }

  it('when messages of several partitions arrive within a window, then the next fetch hands them to the unit of work in one call', async () => {
    const calls = newCalls();
    const consumer = await started(windowedConsumer(1000, calls));
    try {
      // The first message after a quiet spell is handled on its own…
      const first = buildMessage(
        sequenceContract(topic),
        { key: 'opener', seq: 0 },
        { source: 'test' },
      );
      await publishNow(producer, [first]);
      await eventually(() => expect(calls.handled.has(first.envelope.id)).toBe(true));
      // …and what arrives together comes in one fetch, to the unit of work in one call.
      const { ids, partitions } = await sendMany(12);
      // Twelve random keys all hashing to one of three partitions: about once in 180,000 runs.
      expect(partitions).toBeGreaterThan(1);
      await eventually(() => expect(ids.every((id) => calls.handled.has(id))).toBe(true), {
        timeoutMs: 10_000,
      });
      const callsWithThem = calls.batches.filter((b) => b.some((id) => ids.includes(id)));
      expect(callsWithThem).toHaveLength(1);
      expect(callsWithThem[0]).toEqual(expect.arrayContaining(ids));
      expect(calls.single.filter((id) => ids.includes(id))).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });

  it('when a message arrives after a quiet spell, then it is handled at once, not at the end of a window, and a stop does not wait the window out', async () => {
    const calls = newCalls();
    const consumer = await started(windowedConsumer(60_000, calls));
    try {
      const message = buildMessage(
        sequenceContract(topic),
        { key: 'alone', seq: 0 },
        { source: 'test' },
      );
      await publishNow(producer, [message]);
      // Far sooner than the window: the fetch is a long poll that answers when the message lands.
      await eventually(() => expect(calls.handled.has(message.envelope.id)).toBe(true), {
        timeoutMs: 10_000,
      });
    } finally {
      await consumer.stop();
    }
  });

  it('when the unit of work of a fetch fails, then its messages are taken one by one and each is handled', async () => {
    const calls = newCalls();
    const consumer = await started(windowedConsumer(0, calls, true));
    try {
      // One partition: a request's messages for several partitions may reach a fetch parked on
      // the broker in two parts (it answers once the first partition's high watermark moves),
      // and a message fetched alone is never part of a unit of work.
      const { ids } = await sendMany(6, `k-${uuid()}`);
      await eventually(() => expect(ids.every((id) => calls.handled.has(id))).toBe(true), {
        timeoutMs: 10_000,
      });
      expect(calls.single).toEqual(expect.arrayContaining(ids));
      expect(calls.batches.flat()).toEqual(expect.arrayContaining(ids));
    } finally {
      await consumer.stop();
    }
  });
});
