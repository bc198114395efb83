import { captureLogs, createTestTopics, eventually, testKafka, uuid } from '@ticketing/testing';
import type { Publisher } from '../src/broker';
import { MessageConsumer, on, type UnitOfWork } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { sequenceContract } from './fixtures';

/**
 * A group's rebalances under traffic: a second member joining takes part of the partitions, the
 * first leaving hands all of them over, and through both nothing is lost and the group's
 * committed offsets reach the end. At-least-once: a message handled but not yet committed when
 * its partition moves is handled again by its next owner (the inbox absorbs that in a service).
 */
describe('consumer group rebalances', () => {
  let producer: Publisher;
  let topic: string;
  const { logger } = captureLogs('rebalance-test');

  beforeAll(async () => {
    [topic] = await createTestTopics('rebalance');
    producer = testKafka().publisher();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  interface Member {
    consumer: MessageConsumer<object>;
    handled: string[];
    assignments: Record<string, number[]>[];
  }

  function member(groupId: string): Member {
    const handled: string[] = [];
    const assignments: Record<string, number[]>[] = [];
    const kafka = testKafka();
    const unitOfWork: UnitOfWork<object> = {
      execute: async (message, run) => {
        handled.push(message.id);
        await run({});
        return 'applied';
      },
    };
    const consumer = new MessageConsumer<object>({
      kafka,
      groupId,
      logger,
      producer,
      unitOfWork,
      handlers: [on(sequenceContract(topic), async () => undefined)],
      // The client's member, recording each assignment it is given.
      member: (id, events) =>
        kafka.groupMember(id, {
          ...events,
          assigned: (assignment) => {
            assignments.push(assignment);
            events.assigned(assignment);
          },
        }),
    });
    return { consumer, handled, assignments };
  }

  /** `count` messages over as many keys (every partition), one produce request. */
  async function send(count: number): Promise<string[]> {
    const messages = Array.from({ length: count }, (_, seq) =>
      buildMessage(sequenceContract(topic), { key: `k-${uuid()}`, seq }, { source: 'test' }),
    );
    await producer.send({
      topic,
      messages: messages.map((m) => ({
        key: m.key,
        value: JSON.stringify(m.envelope),
        headers: m.headers,
      })),
    });
    return messages.map((m) => m.envelope.id);
  }

  const partitionsOf = (a: Record<string, number[]> | undefined) => a?.[topic] ?? [];

  it('when a member joins and another leaves under traffic, then the partitions are shared and handed over, and every message is handled and committed', async () => {
    const groupId = `rebalance-${uuid()}`;
    const a = member(groupId);
    const b = member(groupId);
    const sent: string[] = [];
    const handledByAnyone = () => new Set([...a.handled, ...b.handled]);
    const allHandled = () => expect(sent.filter((id) => !handledByAnyone().has(id))).toEqual([]);

    const assignedA = a.consumer.waitForAssignment();
    await a.consumer.start();
    await assignedA;
    expect(partitionsOf(a.assignments.at(-1)).sort()).toEqual([0, 1, 2]);
    sent.push(...(await send(30)));

    // A second member joins while messages keep coming: the partitions are split between them.
    const traffic = (async () => {
      for (let i = 0; i < 10; i++) {
        sent.push(...(await send(10)));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const assignedB = b.consumer.waitForAssignment();
    await b.consumer.start();
    await assignedB;
    await traffic;
    await eventually(
      () => {
        const shared = [
          ...partitionsOf(a.assignments.at(-1)),
          ...partitionsOf(b.assignments.at(-1)),
        ];
        expect(shared.sort()).toEqual([0, 1, 2]);
        expect(partitionsOf(b.assignments.at(-1)).length).toBeGreaterThan(0);
        expect(partitionsOf(a.assignments.at(-1)).length).toBeGreaterThan(0);
      },
      { timeoutMs: 30_000 },
    );
    await eventually(allHandled, { timeoutMs: 30_000 });
    sent.push(...(await send(30)));
    await eventually(allHandled, { timeoutMs: 30_000 });
    expect(b.handled.length).toBeGreaterThan(0);

    // The first member leaves: the second takes every partition and handles what comes next.
    await a.consumer.stop();
    await eventually(() => expect(partitionsOf(b.assignments.at(-1)).sort()).toEqual([0, 1, 2]), {
      timeoutMs: 30_000,
    });
    const after = await send(30);
    sent.push(...after);
    try {
      await eventually(() => expect(after.filter((id) => !b.handled.includes(id))).toEqual([]), {
        timeoutMs: 30_000,
      });
      await eventually(allHandled);

      // What was handled is committed: the group's offsets reach the end of every partition.
      const admin = testKafka().admin();
      await admin.connect();
      try {
        await eventually(
          async () => {
            const ends = await admin.topicOffsets(topic);
            const [committed] = await admin.groupOffsets(groupId, [topic]);
            const byPartition = (list: { partition: number; offset: string }[]) =>
              Object.fromEntries(list.map((p) => [p.partition, p.offset]));
            expect(byPartition(committed!.partitions)).toEqual(
              byPartition(ends.map((e) => ({ partition: e.partition, offset: e.high }))),
            );
          },
          { timeoutMs: 10_000 },
        );
      } finally {
        await admin.disconnect();
      }
    } finally {
      await b.consumer.stop();
    }
  }, 120_000);
});
