import { captureLogs, createTestTopics, eventually, testKafka, uuid } from '@ticketing/testing';
import { MessageConsumer, on, type UnitOfWork } from '../src/consumer';
import { buildMessage } from '../src/envelope';
import { publishNow } from '../src/unit-of-work';
import type { CreateGroupMember, KafkaClient, Publisher } from '../src/broker';
import { sequenceContract } from './fixtures';

/**
 * Offsets are committed by the consumer every half second and at a stop (ADR 0013), not by the
 * client after every batch. Every delivery is recorded here (no inbox in between), so a
 * redelivery shows.
 */
describe('consumer offset commits', () => {
  let producer: Publisher;
  let topic: string;
  const { logger } = captureLogs('offset-commits-test');

  beforeAll(async () => {
    [topic] = await createTestTopics('commits');
    producer = testKafka().publisher();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
  });

  /** The client's group members, counting the offset commits asked of them and their batches. */
  function countingMember(): {
    member: CreateGroupMember;
    commits: () => number;
    batches: () => number;
  } {
    const kafka = testKafka();
    let commits = 0;
    let batches = 0;
    const member: CreateGroupMember = (groupId, events) => {
      const real = kafka.groupMember(groupId, events);
      return {
        run: (run) =>
          real.run({
            ...run,
            eachBatch: async (batch) => {
              batches++;
              await run.eachBatch({
                ...batch,
                commit: (offsets) => {
                  commits++;
                  return batch.commit(offsets);
                },
              });
            },
          }),
        stop: () => real.stop(),
      };
    };
    return { member, commits: () => commits, batches: () => batches };
  }

  function recordingConsumer(
    kafka: KafkaClient,
    groupId: string,
    delivered: string[],
    member?: CreateGroupMember,
  ) {
    const unitOfWork: UnitOfWork<object> = {
      execute: async (message, run) => {
        delivered.push(message.id);
        await run({});
        return 'applied';
      },
    };
    return new MessageConsumer<object>({
      kafka,
      groupId,
      logger,
      producer,
      unitOfWork,
      handlers: [on(sequenceContract(topic), async () => undefined)],
      member,
    });
  }

  const send = async (key: string, seq: number) => {
    const message = buildMessage(sequenceContract(topic), { key, seq }, { source: 'test' });
    await publishNow(producer, [message]);
    return message.envelope.id;
  };

  async function committedEqualsEnd(groupId: string): Promise<void> {
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const ends = await admin.topicOffsets(topic);
      const [committed] = await admin.groupOffsets(groupId, [topic]);
      for (const end of ends) {
        const mine = committed!.partitions.find((p) => p.partition === end.partition);
        expect(mine?.offset).toBe(end.high === '0' ? '-1' : end.high);
      }
    } finally {
      await admin.disconnect();
    }
  }

  it('when a running consumer handles message after message, then their offsets are committed within a second, not one commit per batch', async () => {
    const { member, commits, batches } = countingMember();
    const groupId = `commits-${uuid()}`;
    const delivered: string[] = [];
    const consumer = recordingConsumer(testKafka(), groupId, delivered, member);
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
    try {
      const key = `steady-${uuid()}`;
      const ids: string[] = [];
      // One at a time: each arrives alone, so nearly every message is a batch of its own.
      for (let seq = 0; seq < 30; seq++) {
        ids.push(await send(key, seq));
        await eventually(() => expect(delivered).toContain(ids.at(-1)), { intervalMs: 2 });
      }
      await eventually(() => committedEqualsEnd(groupId), { timeoutMs: 5000 });
      expect(batches()).toBeGreaterThanOrEqual(20);
      expect(commits()).toBeLessThan(batches() / 2);
    } finally {
      await consumer.stop();
    }
  });

  it('when a consumer stops, then everything it handled is committed and the next member of its group starts after it', async () => {
    const groupId = `commits-${uuid()}`;
    const first: string[] = [];
    const a = recordingConsumer(testKafka(), groupId, first);
    const assignedA = a.waitForAssignment();
    await a.start();
    await assignedA;
    const key = `handover-${uuid()}`;
    const before: string[] = [];
    for (let seq = 0; seq < 10; seq++) before.push(await send(key, seq));
    await eventually(() => expect(first).toEqual(expect.arrayContaining(before)), {
      intervalMs: 5,
    });
    // At once, well inside the commit period: the stop itself must commit.
    await a.stop();
    await committedEqualsEnd(groupId);

    const second: string[] = [];
    const b = recordingConsumer(testKafka(), groupId, second);
    const assignedB = b.waitForAssignment();
    await b.start();
    await assignedB;
    try {
      const after = await send(key, 10);
      await eventually(() => expect(second).toContain(after));
      expect(second).toEqual([after]);
    } finally {
      await b.stop();
    }
  });
});
