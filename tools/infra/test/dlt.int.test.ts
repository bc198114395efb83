// @slow 45: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { defineMessage } from '@ticketing/contracts';
import { buildMessage, createInboxTable, dltOf, on, type TxContext } from '@ticketing/messaging';
import {
  MessageConsumer,
  inboxUnitOfWork,
  publishNow,
  type Publisher,
} from '@ticketing/messaging/wiring';
import { AppError, Database, type Knex } from '@ticketing/platform';
import { createDb, migrate } from '@ticketing/platform/wiring';
import {
  captureLogs,
  createTestDatabase,
  createTestTopics,
  eventually,
  testInfra,
  testKafka,
  uuid,
} from '@ticketing/testing';

const CLI = path.resolve(__dirname, '../dist/dlt.js');
const run = promisify(execFile);

/** `npm run dlt -- …` against the test broker: its exit code and what it printed. */
async function dlt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], {
      env: { ...process.env, KAFKA_BROKERS: testInfra().kafkaBrokers.join(','), LOG_LEVEL: 'info' },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface Listed {
  topic: string;
  partition: number;
  offset: string;
  id?: string;
  type?: string;
  key: string | null;
  reason: string;
  error: string;
  original: { topic: string; partition: number; offset: string };
}

describe('npm run dlt: dead letters listed by reason and sent back once their cause is fixed', () => {
  let topic: string;
  let db: Knex;
  let dropDb: () => Promise<void>;
  let producer: Publisher;
  let consumer: MessageConsumer<TxContext>;
  const metrics = new Registry();
  /** The handler's toggle: until the cause is fixed, `poison-` keys can never be applied. */
  let fixed = false;
  const { logger, lines } = captureLogs('dlt-test');
  const contract = () =>
    defineMessage({
      type: 'test.dead-letter',
      version: 1,
      topic,
      key: (d) => d.key,
      schema: z.object({ key: z.string(), seq: z.number().int() }),
    });

  beforeAll(async () => {
    [topic] = (await createTestTopics('dlt')) as [string];
    const database = await createTestDatabase('dlt');
    dropDb = database.drop;
    db = createDb({ url: database.url, applicationName: 'dlt-test' });
    await migrate(db, {
      '0001_inbox': { up: createInboxTable },
      '0002_counters': {
        up: (k) =>
          k.schema.createTable('counters', (t) => {
            t.text('key').primary();
            t.integer('value').notNullable();
          }),
      },
    });
    producer = testKafka().publisher();
    await producer.connect();
    consumer = new MessageConsumer<TxContext>({
      kafka: testKafka(),
      groupId: `test-${uuid()}`,
      logger,
      producer,
      metrics,
      unitOfWork: inboxUnitOfWork(new Database(db), 'counter', 'test'),
      handlers: [
        on(contract(), async (message, { tx }) => {
          const { key } = message.data;
          if (key.startsWith('poison-') && !fixed)
            throw AppError.validation('the counter refuses poison (until fixed)');
          await tx
            .knex('counters')
            .insert({ key, value: 1 })
            .onConflict('key')
            .merge({ value: tx.knex.raw('counters.value + 1') });
        }),
      ],
    });
    const assigned = consumer.waitForAssignment();
    await consumer.start();
    await assigned;
  });

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await db?.destroy();
    await dropDb?.();
  });

  const counter = async (key: string) =>
    ((await db('counters').where({ key }).first()) as { value: number } | undefined)?.value;

  it('when a poisoned message is parked, then list shows it; once fixed, redrive applies it exactly once', async () => {
    const key = `poison-${uuid()}`;
    const poisoned = buildMessage(contract(), { key, seq: 1 }, { source: 'test' });
    await publishNow(producer, [poisoned]);

    // Parked on the .dlt with its reason, and listed by the command.
    let listed: Listed[] = [];
    await eventually(
      async () => {
        const out = await dlt('list', '--topic', topic, '--json');
        expect(out.code).toBe(0);
        listed = (JSON.parse(out.stdout) as Listed[]).filter((l) => l.key === key);
        expect(listed).toHaveLength(1);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(listed[0]).toMatchObject({
      topic: dltOf(topic),
      id: poisoned.envelope.id,
      type: 'test.dead-letter',
      reason: 'HANDLER_REJECTED',
      original: { topic },
    });
    expect(listed[0]!.error).toMatch(/refuses poison/);
    expect(await counter(key)).toBeUndefined();

    const summary = await dlt('list', '--topic', `${topic}.dlt`);
    expect(summary.stdout).toMatch(new RegExp(`${dltOf(topic)}\\s+HANDLER_REJECTED\\s+1`));
    expect(summary.stdout).toContain(`from ${topic}/`);

    // The cause is fixed; the dead letter goes back, twice (an operator repeating himself).
    fixed = true;
    const first = await dlt('redrive', '--topic', topic, '--id', poisoned.envelope.id);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toMatch(/1 dead letter\(s\) sent back/);
    expect(first.stderr).toMatch(/dead letter redriven/);
    const where = `${listed[0]!.topic}/${listed[0]!.partition}/${listed[0]!.offset}`;
    expect(await dlt('redrive', '--topic', topic, '--id', where)).toMatchObject({ code: 0 });

    // A later message on the same key (same partition, after both redrives) counts once more:
    // 2 means the dead letter was applied once; twice would show 3.
    await publishNow(producer, [buildMessage(contract(), { key, seq: 2 }, { source: 'test' })]);
    await eventually(async () => expect(await counter(key)).toBe(2), { timeoutMs: 30_000 });
    await eventually(async () => {
      const redriven = (await metrics.getSingleMetric('messages_redriven_total')!.get()).values;
      expect(redriven.find((v) => v.labels.topic === topic)?.value).toBe(2);
    });
    expect(await counter(key)).toBe(2); // the dead letter exactly once, through the inbox
    expect(await db('inbox').where({ message_id: poisoned.envelope.id })).toHaveLength(1);
    expect(lines().some((l) => l.msg === 'redriven message received')).toBe(true);
  });

  it('when the command line is wrong or names nothing there, then it exits 64 with the usage', async () => {
    expect((await dlt('purge')).code).toBe(64);
    expect((await dlt('redrive', '--topic', topic)).stderr).toMatch(/--id ID or --all/);
    const unknown = await dlt('redrive', '--topic', topic, '--id', uuid());
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toMatch(/not on/);
    expect((await dlt('list', '--since', 'yesterday')).code).toBe(64);
  });
});
