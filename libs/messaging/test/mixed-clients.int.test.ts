import { KAFKA_CLIENTS } from '@ticketing/platform';
import { captureLogs, createTestTopics, eventually, testInfra, uuid } from '@ticketing/testing';
import { createKafka } from '../src/kafka-client';

/**
 * A service moves from one Kafka client to another instance by instance (KAFKA_CLIENT): for a
 * while its group has members of both, and both publish. Every client must then send a key to
 * the same partition (or its messages would lose their order), and agree on the group's
 * assignment protocol (or the new client's members could not join).
 */
describe('the Kafka clients side by side', () => {
  const { logger } = captureLogs('mixed-clients');
  const clients = KAFKA_CLIENTS.map((client) =>
    createKafka({ client, brokers: testInfra().kafkaBrokers, clientId: `mixed-${client}`, logger }),
  );

  it('when every client publishes the same keys, then each key goes to the same partition on all', async () => {
    const [topic] = await createTestTopics('mixed-keys');
    const keys = Array.from({ length: 30 }, () => uuid());
    const partitions = await Promise.all(
      clients.map(async (kafka) => {
        const publisher = kafka.publisher();
        await publisher.connect();
        try {
          const placed: number[] = [];
          for (const key of keys) {
            const [written] = await publisher.send({
              topic: topic!,
              messages: [{ key, value: key }],
            });
            placed.push(written!.partition);
          }
          return placed;
        } finally {
          await publisher.disconnect();
        }
      }),
    );
    expect(new Set(partitions[0]).size).toBe(3); // thirty keys over every partition
    for (const placed of partitions.slice(1)) expect(placed).toEqual(partitions[0]);
  });

  it('when a member of each client is in one group, then they share its partitions and every message is handled', async () => {
    const [topic] = await createTestTopics('mixed-group');
    const groupId = `mixed-${uuid()}`;
    const handled = new Map<string, Set<string>>(KAFKA_CLIENTS.map((c) => [c, new Set()]));
    const assigned = new Map<string, number[]>();
    const members = clients.map((kafka) =>
      kafka.groupMember(groupId, {
        assigned: (assignment) => assigned.set(kafka.name, assignment[topic!] ?? []),
        left: () => undefined,
        rebalancing: () => undefined,
        crashed: (err) => logger.error({ err, client: kafka.name }, 'member crashed'),
      }),
    );
    const run = (i: number) =>
      members[i]!.run({
        topics: [topic!],
        fromBeginning: true,
        concurrency: 3,
        eachBatch: async ({ messages }) => {
          for (const m of messages) handled.get(clients[i]!.name)!.add(m.value!.toString());
        },
      });
    try {
      for (let i = 0; i < members.length; i++) await run(i);
      await eventually(
        () => {
          const shared = KAFKA_CLIENTS.flatMap((client) => assigned.get(client) ?? []);
          expect(shared.sort()).toEqual([0, 1, 2]);
          for (const client of KAFKA_CLIENTS)
            expect({ client, partitions: assigned.get(client)?.length }).toEqual({
              client,
              partitions: 1,
            });
        },
        { timeoutMs: 30_000 },
      );
      const publisher = clients[0]!.publisher();
      await publisher.connect();
      const values = Array.from({ length: 30 }, () => uuid());
      await publisher.send({ topic: topic!, messages: values.map((v) => ({ key: v, value: v })) });
      await publisher.disconnect();
      await eventually(
        () => {
          const all = new Set(KAFKA_CLIENTS.flatMap((client) => [...handled.get(client)!]));
          expect(values.filter((v) => !all.has(v))).toEqual([]);
        },
        { timeoutMs: 30_000 },
      );
      for (const client of KAFKA_CLIENTS) expect(handled.get(client)!.size).toBeGreaterThan(0);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  }, 90_000);
  it('when a group has committed one partition, then every client reads the same committed offsets, -1 for the partitions it never committed', async () => {
    const [topic] = await createTestTopics('mixed-offsets');
    const groupId = `mixed-${uuid()}`;
    const publisher = clients[0]!.publisher();
    await publisher.connect();
    const [written] = await publisher.send({
      topic: topic!,
      messages: [{ key: uuid(), value: 'x' }],
    });
    await publisher.disconnect();
    const member = clients[0]!.groupMember(groupId, {
      assigned: () => undefined,
      left: () => undefined,
      rebalancing: () => undefined,
      crashed: (err) => logger.error({ err }, 'member crashed'),
    });
    const admins = clients.map((kafka) => kafka.admin());
    await member.run({
      topics: [topic!],
      fromBeginning: true,
      concurrency: 1,
      // The client commits nothing by itself: the batch's handler does (ADR 0013).
      eachBatch: async (batch) => {
        const offset = String(Number(batch.lastOffset()) + 1);
        await batch.commit([
          { topic: batch.topic, partitions: [{ partition: batch.partition, offset }] },
        ]);
      },
    });
    try {
      for (const admin of admins) await admin.connect();
      const expected = [0, 1, 2].map((partition) => ({
        partition,
        offset: partition === written!.partition ? '1' : '-1',
      }));
      await eventually(
        async () => {
          const read = await Promise.all(
            admins.map((admin) => admin.groupOffsets(groupId, [topic!])),
          );
          for (const [i, [offsets]] of read.entries())
            expect({
              client: clients[i]!.name,
              partitions: [...offsets!.partitions].sort((a, b) => a.partition - b.partition),
            }).toEqual({ client: clients[i]!.name, partitions: expected });
        },
        { timeoutMs: 30_000 },
      );
    } finally {
      await member.stop();
      for (const admin of admins) await admin.disconnect();
    }
  }, 60_000);
});
