import {
  captureLogs,
  createTestTopics,
  eventually,
  testKafka,
  TopicCapture,
  type CapturedMessage,
} from '@ticketing/testing';
import { Database, type Knex } from '@ticketing/platform';
import pg from 'pg';
import { buildMessage } from '../src/envelope';
import type { Publisher } from '../src/broker';
import { enqueue, OUTBOX_TABLE, OutboxRelay } from '../src/outbox';
import { DRAIN_STATEMENT, RELAY_SESSION_SETTINGS } from '../src/outbox/relay';
import { messagingDatabase, sequenceContract } from './fixtures';

const KEYS = Array.from({ length: 10 }, (_, i) => `key-${i}`);

/** Enqueues `perKey` messages per key, in id order = seq order, in transactions of 50. */
async function enqueueSequences(db: Knex, topic: string, perKey: number, from = 0): Promise<void> {
  const contract = sequenceContract(topic);
  const all: { key: string; seq: number }[] = [];
  for (let seq = from; seq < from + perKey; seq++) for (const key of KEYS) all.push({ key, seq });
  for (let i = 0; i < all.length; i += 50) {
    await new Database(db).transaction((tx) =>
      enqueue(
        tx,
        all.slice(i, i + 50).map((d) => buildMessage(contract, d, { source: 'test' })),
      ),
    );
  }
}

/** Per key: the seq numbers in arrival order, with repeats (at-least-once) folded away. */
function firstArrivals(messages: CapturedMessage[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const id = m.envelope!.id;
    if (seen.has(id)) continue;
    seen.add(id);
    const { key, seq } = m.envelope!.data as { key: string; seq: number };
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(seq);
  }
  return byKey;
}

const ascending = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** Every key has received `n` distinct messages (partitions are read concurrently). */
const allArrived = (messages: CapturedMessage[], n: number) => {
  const order = firstArrivals(messages);
  for (const key of KEYS) expect(order.get(key)?.length).toBe(n);
};

describe('outbox relay', () => {
  let fixture: Awaited<ReturnType<typeof messagingDatabase>>;
  let producer: Publisher;
  let topic: string;
  let capture: TopicCapture;
  const relays: OutboxRelay[] = [];
  const { logger } = captureLogs('relay-test');

  beforeEach(async () => {
    fixture = await messagingDatabase();
    [topic] = await createTestTopics('outbox');
    producer = testKafka().publisher();
    await producer.connect();
    capture = await TopicCapture.start([topic!]);
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await capture.stop();
    await producer.disconnect();
    await fixture.drop();
  });

  const relay = (
    p: Publisher = producer,
    extra: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {},
  ) => {
    const r = new OutboxRelay({
      databaseUrl: fixture.url,
      producer: p,
      logger,
      standbyRetryMs: 100,
      ...extra,
    });
    relays.push(r);
    r.start();
    return r;
  };

  it('when 1,000 messages over 10 keys are enqueued, then all arrive in per-key order and are marked published', async () => {
    relay();
    await enqueueSequences(fixture.db, topic, 100);
    await eventually(() => allArrived(capture.messages, 100), {
      timeoutMs: 30_000,
    });
    const order = firstArrivals(capture.messages);
    for (const key of KEYS) expect(order.get(key)).toEqual(ascending(100));
    await eventually(async () =>
      expect(await fixture.db('outbox').count({ n: '*' })).toEqual([{ n: 0 }]),
    );
    // Envelope and headers as ARCHITECTURE.md says, partitioned by the key.
    const sample = capture.messages[0]!;
    expect(sample.headers).toMatchObject({ 'event-type': 'test.sequenced' });
    expect(sample.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(sample.key).toBe((sample.envelope!.data as { key: string }).key);
  });

  it('when the relay dies between sending and marking, then nothing is lost and order per key holds (duplicates allowed)', async () => {
    // A producer that acknowledges the send and then "crashes" the relay before it can mark.
    let crashes = 0;
    const crashing = Object.create(producer) as Publisher;
    crashing.sendBatch = async (batch) => {
      const result = await producer.sendBatch(batch);
      if (crashes < 3) {
        crashes += 1;
        throw new Error('relay process died after send');
      }
      return result;
    };
    await enqueueSequences(fixture.db, topic, 30);
    relay(crashing, { batchSize: 40 });
    await eventually(() => allArrived(capture.messages, 30), {
      timeoutMs: 30_000,
    });
    expect(crashes).toBe(3);
    expect(capture.messages.length).toBeGreaterThan(300); // the unmarked batches went out again
    const order = firstArrivals(capture.messages);
    for (const key of KEYS) expect(order.get(key)).toEqual(ascending(30));
  });

  it('when two relays run on one database, then only one publishes at a time and a failover keeps per-key order', async () => {
    const first = relay();
    const second = relay();
    await eventually(() =>
      expect([first.isLeader, second.isLeader].filter(Boolean)).toHaveLength(1),
    );
    await enqueueSequences(fixture.db, topic, 20);
    const leader = first.isLeader ? first : second;
    const standby = leader === first ? second : first;
    await leader.stop(); // hands over leadership with more to come
    await enqueueSequences(fixture.db, topic, 20, 20);
    await eventually(() => expect(standby.isLeader).toBe(true));
    await eventually(() => allArrived(capture.messages, 40), {
      timeoutMs: 30_000,
    });
    const order = firstArrivals(capture.messages);
    for (const key of KEYS) expect(order.get(key)).toEqual(ascending(40));
  });

  it("when the outbox holds a few rows and has never been analyzed, then the relay's drain finds the rows it deletes by the primary key, not by reading the table", async () => {
    await enqueueSequences(fixture.db, topic, 1); // a page of rows, as when a service starts
    /** The plan the drain statement keeps once prepared (generic), in a session with `settings`. */
    const drainPlan = async (settings?: string) => {
      const client = new pg.Client({ connectionString: fixture.url });
      await client.connect();
      try {
        if (settings) await client.query(settings);
        await client.query(`prepare drain as ${DRAIN_STATEMENT.text}`);
        await client.query('set plan_cache_mode = force_generic_plan');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `explain execute drain('{1,2}', 500)`,
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await client.end();
      }
    };
    // Without the relay's settings, Postgres deletes by reading every page of the table: in a
    // busy service, every row deleted since the last vacuum, at every round.
    expect(await drainPlan()).toMatch(/Seq Scan on outbox/);
    const plan = await drainPlan(RELAY_SESSION_SETTINGS);
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/Delete on outbox[\s\S]*Index Scan (using|on) outbox_pkey/);
  });

  it('when a transaction rolls back, then its messages are never published', async () => {
    relay();
    const contract = sequenceContract(topic);
    await new Database(fixture.db)
      .transaction(async (tx) => {
        await enqueue(
          tx,
          buildMessage(contract, { key: 'rolled-back', seq: 1 }, { source: 'test' }),
        );
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    await new Database(fixture.db).transaction((tx) =>
      enqueue(tx, buildMessage(contract, { key: 'committed', seq: 2 }, { source: 'test' })),
    );
    await eventually(() => expect(capture.messages.map((m) => m.key)).toContain('committed'));
    expect(capture.messages.map((m) => m.key)).not.toContain('rolled-back');
  });

  it("when the process's own relay leads, then it is told of a commit in process and the server sends no NOTIFY; a writer without it still NOTIFYs", async () => {
    const listener = new pg.Client({ connectionString: fixture.url });
    await listener.connect();
    let notifications = 0;
    listener.on('notification', () => (notifications += 1));
    await listener.query('listen outbox_enqueued');
    try {
      // No poll within the test: only a wake-up can make the relay publish.
      const leader = relay(producer, { pollIntervalMs: 600_000 });
      await eventually(() => expect(leader.isLeader).toBe(true));
      const contract = sequenceContract(topic);
      const sameProcess = new Database(fixture.db);
      sameProcess.watchCommits(OUTBOX_TABLE, leader);
      await sameProcess.transaction((tx) =>
        enqueue(tx, buildMessage(contract, { key: 'in-process', seq: 1 }, { source: 'test' })),
      );
      await eventually(() => expect(capture.messages.map((m) => m.key)).toContain('in-process'));
      await listener.query('select 1'); // a notification sent by now arrives before this answer
      expect(notifications).toBe(0);

      const elsewhere = new Database(fixture.db); // a writer whose process has no relay leading
      await elsewhere.transaction((tx) =>
        enqueue(tx, buildMessage(contract, { key: 'notified', seq: 2 }, { source: 'test' })),
      );
      await eventually(() => expect(capture.messages.map((m) => m.key)).toContain('notified'));
      await listener.query('select 1');
      expect(notifications).toBe(1);
    } finally {
      await listener.end();
    }
  });
});
