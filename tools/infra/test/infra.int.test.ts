import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { eventually, testKafka, topicSuffix, uuid } from '@ticketing/testing';
import { ensureTopics } from '@ticketing/messaging/wiring';
import { readState } from '../src/state';

const CLI = path.resolve(__dirname, '../dist/cli.js');
const up = () => spawnSync('node', [CLI, 'up'], { encoding: 'utf8', timeout: 120_000 });

describe('infra:up', () => {
  it('when everything is already up, then a second run starts nothing and changes nothing', () => {
    const first = up();
    expect(first.status).toBe(0);
    const before = readState();
    const second = up();
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/PostgreSQL reachable/);
    expect(second.stdout).toMatch(/Redis reachable/);
    expect(second.stdout).toMatch(/Kafka reachable/);
    expect(second.stdout).not.toMatch(/starting|created|formatting|resolving/);
    expect(readState()).toEqual(before);
  });

  it('when a message is produced, then a consumer receives it (real broker round trip)', async () => {
    const kafka = testKafka();
    const topic = `test.roundtrip.${topicSuffix()}`;
    await ensureTopics(kafka, [topic], { partitions: 1, withDlt: false });
    const producer = kafka.publisher();
    await producer.connect();
    const consumer = kafka.groupMember(
      `rt-${uuid()}`,
      {
        assigned: () => undefined,
        left: () => undefined,
        rebalancing: () => undefined,
        crashed: () => undefined,
      },
      { maxWaitMs: 50 },
    );
    const received: string[] = [];
    await consumer.run({
      topics: [topic],
      fromBeginning: true,
      concurrency: 1,
      eachBatch: async ({ messages }) => {
        for (const message of messages) received.push(message.value!.toString());
      },
    });
    const body = `hello-${uuid()}`;
    await producer.send({ topic, messages: [{ value: body }] });
    await eventually(() => expect(received).toEqual([body]), { timeoutMs: 30_000 });
    await consumer.stop();
    await producer.disconnect();
  });
});
