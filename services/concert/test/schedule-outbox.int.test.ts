import { TOPICS } from '@ticketing/contracts';
import { OutboxRelay, type Publisher } from '@ticketing/messaging/wiring';
import { Database, type Knex } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { captureLogs, eventually, testKafka, TopicCapture } from '@ticketing/testing';
import { Catalog } from '../src/domain/catalog';
import { seedDemoCatalog } from '../src/domain/demo-catalog';
import { catalogIn } from '../src/start';
import { concertDatabase, topicNamespace } from './harness';

describe('concert.schedule-published through the outbox', () => {
  let database: Awaited<ReturnType<typeof concertDatabase>>;
  let db: Knex;
  let producer: Publisher;
  let capture: TopicCapture;
  let relay: OutboxRelay | undefined;

  beforeEach(async () => {
    database = await concertDatabase();
    db = createDb({ url: database.url, applicationName: 'test' });
    producer = testKafka().publisher();
    await producer.connect();
    capture = await TopicCapture.start([(await topicNamespace()).name(TOPICS.concertEvents)]);
  });
  afterEach(async () => {
    await relay?.stop();
    await capture.stop();
    await producer.disconnect();
    await db.destroy();
    await database.drop();
  });

  const publishedFor = (scheduleId: number) =>
    capture.where(
      (m) =>
        m.envelope?.type === 'concert.schedule-published' &&
        (m.envelope.data as { scheduleId: number }).scheduleId === scheduleId,
    );

  async function newSchedule() {
    const [{ id: concertId }] = await db('concerts')
      .insert({ title: `T${Math.random()}`, artist: 'A', venue: 'V' })
      .returning('id');
    const startsAt = new Date(Date.now() + 10 * 86_400_000);
    return (await new Catalog(new Database(db), catalogIn).addSchedule({
      concertId,
      startsAt,
      bookingOpensAt: new Date(),
      bookingClosesAt: startsAt,
      price: 5000,
    }))!;
  }

  it('when a schedule is created, then exactly one schedule-published event carries its full state', async () => {
    relay = new OutboxRelay({
      databaseUrl: database.url,
      producer,
      logger: captureLogs().logger,
      topics: await topicNamespace(),
    });
    relay.start();
    const schedule = await newSchedule();
    // At-least-once: a send that timed out after the broker wrote it is sent again, under the
    // same message id; what must hold is one event, which consumers' inboxes apply once.
    await eventually(
      () => expect(publishedFor(schedule.scheduleId).length).toBeGreaterThanOrEqual(1),
      {
        timeoutMs: 30_000,
      },
    );
    expect(new Set(publishedFor(schedule.scheduleId).map((m) => m.envelope!.id)).size).toBe(1);
    expect(publishedFor(schedule.scheduleId)[0]!.envelope).toMatchObject({
      source: 'concert',
      data: {
        scheduleId: schedule.scheduleId,
        price: 5000,
        totalSeats: 50,
        status: 'OPEN',
        revision: 1,
      },
    });
    expect(publishedFor(schedule.scheduleId)[0]!.key).toBe(String(schedule.scheduleId));
  });

  it('when the relay crashes between sending and marking, then the one event may repeat but is still one event (one id)', async () => {
    const schedule = await newSchedule();
    let crashed = false;
    const crashing = Object.create(producer) as Publisher;
    crashing.sendBatch = async (batch) => {
      const result = await producer.sendBatch(batch);
      if (!crashed) {
        crashed = true;
        throw new Error('crash after send, before mark');
      }
      return result;
    };
    relay = new OutboxRelay({
      databaseUrl: database.url,
      producer: crashing,
      logger: captureLogs().logger,
      standbyRetryMs: 50,
      topics: await topicNamespace(),
    });
    relay.start();
    await eventually(
      () => expect(publishedFor(schedule.scheduleId).length).toBeGreaterThanOrEqual(2),
      { timeoutMs: 30_000 },
    );
    await eventually(async () => expect(await db('outbox').count({ n: '*' })).toEqual([{ n: 0 }]));
    expect(new Set(publishedFor(schedule.scheduleId).map((m) => m.envelope!.id)).size).toBe(1);
  });

  it('when the demo catalog is seeded twice, then the second run creates and publishes nothing', async () => {
    const first = await seedDemoCatalog(new Database(db), catalogIn);
    expect(first).toEqual({ concerts: 3, schedules: 15 });
    const second = await seedDemoCatalog(new Database(db), catalogIn);
    expect(second).toEqual({ concerts: 0, schedules: 0 });
    expect(
      await db('outbox').where({ type: 'concert.schedule-published' }).count({ n: '*' }),
    ).toEqual([{ n: 15 }]);
    expect(await db('seats').count({ n: '*' })).toEqual([{ n: 15 * 50 }]);
  });
});
