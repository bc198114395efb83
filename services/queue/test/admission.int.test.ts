import { placeOf, queueKeys } from '@ticketing/queue-pass';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import type { QueueServiceHandle } from '../src/start';
import { KEY_PREFIX, join, knownConcert, poll, startQueue } from './harness';

describe('admission with two instances ticking at once', () => {
  const MAX_ACTIVE = 3000;
  const settings = {
    QUEUE_ADMIT_PER_SECOND: '2000',
    QUEUE_MAX_ACTIVE: String(MAX_ACTIVE),
    QUEUE_TICK_MS: '20',
  };
  let filler: QueueServiceHandle;
  let a: QueueServiceHandle | undefined;
  let b: QueueServiceHandle | undefined;
  let redis: Redis;

  beforeAll(async () => {
    // Fill the queue with admission paused; the two admitting instances start afterwards.
    filler = await startQueue({ QUEUE_ADMIT_PER_SECOND: '0', REDIS_KEY_PREFIX: `${KEY_PREFIX}2:` });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: `${KEY_PREFIX}2:` });
  });
  afterAll(async () => {
    redis.disconnect();
    await Promise.all([filler.stop(), a?.stop(), b?.stop()]);
  });

  it('when 10,000 users wait, then the active count never exceeds QUEUE_MAX_ACTIVE and admission follows arrival order exactly', async () => {
    const concertId = await knownConcert(filler);
    const fans: { userId: string; tokenId: string; concertId: number }[] = [];
    for (let i = 0; i < 10_000; i += 500) {
      const joined = await Promise.all(
        Array.from({ length: 500 }, async () => {
          const userId = uuid();
          const { view } = await filler.joining.join(userId, concertId);
          return { userId, tokenId: view.tokenId, concertId };
        }),
      );
      fans.push(...joined);
    }
    // Arrival order is the counter's order: every fan has a number of their own, 1..10,000.
    const numbers = fans.map((f) => placeOf(f.tokenId)!.number);
    expect(new Set(numbers).size).toBe(10_000);
    expect(Math.max(...numbers)).toBe(10_000);

    const meta = queueKeys(concertId).meta;
    a = await startQueue({ ...settings, REDIS_KEY_PREFIX: `${KEY_PREFIX}2:` });
    b = await startQueue({ ...settings, REDIS_KEY_PREFIX: `${KEY_PREFIX}2:` });
    let maxSeen = 0;
    let samples = 0;
    await eventually(
      async () => {
        const [active, head] = (await redis.hmget(meta, 'active', 'head')).map(Number);
        samples += 1;
        maxSeen = Math.max(maxSeen, active!);
        expect(active).toBeLessThanOrEqual(MAX_ACTIVE);
        // Nobody behind the head is admitted before anybody ahead of it: the head is the line.
        expect(head).toBeLessThanOrEqual(MAX_ACTIVE);
        expect(active).toBe(MAX_ACTIVE); // keep sampling until admission has filled up
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    expect(samples).toBeGreaterThan(3);
    expect(maxSeen).toBe(MAX_ACTIVE);
    // The admitted are exactly the first 3,000 arrivals; the others wait in arrival order.
    const byNumber = [...fans].sort(
      (x, y) => placeOf(x.tokenId)!.number - placeOf(y.tokenId)!.number,
    );
    await eventually(async () => {
      for (const i of [0, 1, 1500, 2999])
        expect((await a!.places.stateOf(byNumber[i]!)).status).toBe('ACTIVE');
      for (const i of [3000, 3001, 7000, 9999])
        expect(await a!.places.stateOf(byNumber[i]!)).toMatchObject({
          status: 'WAITING',
          position: i - 2999,
        });
    });
    // More ticks admit nobody beyond the cap.
    await Promise.all([a.ticker.tick(), b.ticker.tick(), a.ticker.tick()]);
    expect(Number(await redis.hget(meta, 'active'))).toBe(MAX_ACTIVE);
    expect(Number(await redis.hget(meta, 'head'))).toBe(MAX_ACTIVE);
  });
});

describe('token lifetimes', () => {
  let queue: QueueServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_MAX_ACTIVE: '1',
      QUEUE_ACTIVE_TTL_SECONDS: '1',
      // Longer than the first fan's wait for its slot, during which the second does not poll.
      QUEUE_IDLE_TIMEOUT_SECONDS: '3',
    });
  });
  afterAll(() => queue.stop());

  it('when an active token expires, then it answers 401 and its slot goes to the next in line', async () => {
    const concertId = await knownConcert(queue);
    const first = await join(queue.url, uuid(), concertId);
    const second = await join(queue.url, uuid(), concertId);
    await eventually(async () =>
      expect((await poll(queue.url, first.body.token)).body.status).toBe('ACTIVE'),
    );
    // Second keeps polling (so it does not go idle) and gets the slot once the first expires.
    await eventually(
      async () => expect((await poll(queue.url, second.body.token)).body.status).toBe('ACTIVE'),
      {
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect((await poll(queue.url, first.body.token)).status).toBe(401);
  });
});

describe('idle waiting tokens', () => {
  let queue: QueueServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_MAX_ACTIVE: '1',
      QUEUE_ACTIVE_TTL_SECONDS: '600',
      // Three seconds: two joins one after the other on a loaded machine once came more than one
      // second apart, and the first was dropped as idle before the second was numbered.
      QUEUE_IDLE_TIMEOUT_SECONDS: '3',
    });
  });
  afterAll(() => queue.stop());

  it('when a waiting token stops polling, then it loses its place and those behind move up', async () => {
    const concertId = await knownConcert(queue);
    const holder = await join(queue.url, uuid(), concertId); // takes the only active slot...
    await eventually(async () =>
      expect((await poll(queue.url, holder.body.token)).body.status).toBe('ACTIVE'),
    );
    const idle = await join(queue.url, uuid(), concertId);
    const patient = await join(queue.url, uuid(), concertId);
    expect(idle.body.position).toBeLessThan(patient.body.position);
    // ...`patient` keeps polling, `idle` does not.
    await eventually(
      async () => expect((await poll(queue.url, patient.body.token)).body.position).toBe(1),
      {
        timeoutMs: 20_000,
        intervalMs: 200,
      },
    );
    expect((await poll(queue.url, idle.body.token)).status).toBe(401);
  });
});

describe('a fan admitted while an instance holds an older snapshot', () => {
  const shared = { QUEUE_ADMIT_PER_SECOND: '100', QUEUE_MAX_ACTIVE: '1' };
  let ticker: QueueServiceHandle;
  let server: QueueServiceHandle;

  beforeAll(async () => {
    const prefix = `${KEY_PREFIX}late-snapshot:`;
    ticker = await startQueue({ ...shared, QUEUE_TICK_MS: '20', REDIS_KEY_PREFIX: prefix });
    // Serves the fans and does not tick in the test's time; its snapshot is read at the first
    // join and is not due again for ten seconds: it predates the other instance's tick.
    server = await startQueue({
      ...shared,
      QUEUE_TICK_MS: '60000',
      QUEUE_SNAPSHOT_MS: '10000',
      REDIS_KEY_PREFIX: prefix,
    });
  });
  afterAll(() => Promise.all([ticker.stop(), server.stop()]));

  it('when an instance tells a fan they are in, then the next fan it numbers is told nobody waits ahead', async () => {
    const concertId = await knownConcert(ticker);
    const admitted = await join(server.url, uuid(), concertId);
    expect(admitted.body.position).toBe(1);
    await eventually(async () =>
      expect((await poll(server.url, admitted.body.token)).body.status).toBe('ACTIVE'),
    );
    const next = await join(server.url, uuid(), concertId);
    expect(next.body).toMatchObject({ status: 'WAITING', position: 1 });
  });
});

describe('a join in two steps (as on a Redis Cluster) slower than the tick', () => {
  let queue: QueueServiceHandle;
  let redis: Redis;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '1000', QUEUE_TICK_MS: '20' });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: KEY_PREFIX });
  });
  afterAll(async () => {
    redis.disconnect();
    await queue.stop();
  });

  it('when a join’s writes land after the tick passed its number, then the fan still gets a live place', async () => {
    const concertId = await knownConcert(queue);
    const meta = queueKeys(concertId).meta;
    // As on a loaded host: the number is taken, then its bit lands only once the head has moved
    // past it (the tick saw no bit there and counted the number as gone). Once; later joins as is.
    const store = queue.store;
    const markJoined = store.bits.markJoined.bind(store.bits);
    const joinAtOnce = store.joinAtOnce.bind(store);
    store.joinAtOnce = () => Promise.resolve(undefined); // the bits on another shard
    let slowed = 0;
    store.bits.markJoined = async (c, number, ...rest) => {
      if (c === concertId && slowed++ === 0)
        await eventually(async () =>
          expect(Number(await redis.hget(meta, 'head'))).toBeGreaterThanOrEqual(number),
        );
      return markJoined(c, number, ...rest);
    };
    try {
      const fan = await join(queue.url, uuid(), concertId);
      expect(fan.status).toBe(201);
      expect(slowed).toBe(2); // the passed-over number, then the one taken instead
      expect(placeOf(fan.body.tokenId)!.number).toBe(2);
      await eventually(async () =>
        expect((await poll(queue.url, fan.body.token)).body.status).toBe('ACTIVE'),
      );
    } finally {
      store.bits.markJoined = markJoined;
      store.joinAtOnce = joinAtOnce;
    }
  });
});
