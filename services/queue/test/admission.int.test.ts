import type { ServiceHandle } from '@ticketing/platform';
import { placeOf } from '@ticketing/queue-pass';
import { eventually, uuid } from '@ticketing/testing';
import type { RedisQueueStore } from '../src/data-access/queue-store';
import {
  KEY_PREFIX,
  concertMetric,
  join,
  knownConcert,
  poll,
  queueJoining,
  queuePorts,
  startQueue,
} from './harness';

describe('admission with two instances ticking at once', () => {
  const MAX_ACTIVE = 3000;
  const settings = {
    QUEUE_ADMIT_PER_SECOND: '2000',
    QUEUE_MAX_ACTIVE: String(MAX_ACTIVE),
    QUEUE_TICK_MS: '20',
    REDIS_KEY_PREFIX: `${KEY_PREFIX}2:`,
  };
  let a: ServiceHandle | undefined;
  let b: ServiceHandle | undefined;

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('when 10,000 users wait, then the active count never exceeds QUEUE_MAX_ACTIVE and admission follows arrival order exactly', async () => {
    // The queue is filled before any instance runs (ten thousand joins as an instance makes
    // them, not ten thousand requests); the two admitting instances start afterwards.
    const joining = await queueJoining(settings);
    const concertId = await knownConcert(settings);
    const fans: { userId: string; token: string; tokenId: string }[] = [];
    for (let i = 0; i < 10_000; i += 500) {
      const joined = await Promise.all(
        Array.from({ length: 500 }, async () => {
          const userId = uuid();
          const { view } = await joining.join(userId, concertId);
          return { userId, token: view.token, tokenId: view.tokenId };
        }),
      );
      fans.push(...joined);
    }
    // Arrival order is the counter's order: every fan has a number of their own, 1..10,000.
    const numbers = fans.map((f) => placeOf(f.tokenId)!.number);
    expect(new Set(numbers).size).toBe(10_000);
    expect(Math.max(...numbers)).toBe(10_000);

    a = await startQueue(settings);
    b = await startQueue(settings);
    const instances = [a, b];
    // What the instances count: the line's active fans as each tick reads them, and the fans
    // each admitted (summed: the head, as nobody in this line left or idled). That sum only
    // grows (no admission ends within the test): at the cap at the end, it never passed it.
    const counted = async () => ({
      active: await Promise.all(instances.map((i) => concertMetric(i, 'queue_active', concertId))),
      admitted: (
        await Promise.all(instances.map((i) => concertMetric(i, 'queue_admitted_total', concertId)))
      ).reduce((x, y) => x + y, 0),
    });
    await eventually(
      async () => {
        const { active, admitted } = await counted();
        for (const seen of active) expect(seen).toBeLessThanOrEqual(MAX_ACTIVE);
        // Nobody behind the head is admitted before anybody ahead of it: the head is the line.
        expect(admitted).toBeLessThanOrEqual(MAX_ACTIVE);
        expect(admitted).toBe(MAX_ACTIVE); // keep sampling until admission has filled up
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    // The admitted are exactly the first 3,000 arrivals; the others wait in arrival order.
    const byNumber = [...fans].sort(
      (x, y) => placeOf(x.tokenId)!.number - placeOf(y.tokenId)!.number,
    );
    await eventually(async () => {
      for (const i of [0, 1, 1500, 2999])
        expect((await poll(a!.url, byNumber[i]!.token)).body.status).toBe('ACTIVE');
      for (const i of [3000, 3001, 7000, 9999])
        expect((await poll(a!.url, byNumber[i]!.token)).body).toMatchObject({
          status: 'WAITING',
          position: i - 2999,
        });
    });
    // Both instances tick on a full line since (each counts the cap, never more): their ticks
    // admit nobody beyond it.
    await eventually(async () =>
      expect((await counted()).active).toEqual([MAX_ACTIVE, MAX_ACTIVE]),
    );
    expect((await counted()).admitted).toBe(MAX_ACTIVE);
  });
});

describe('token lifetimes', () => {
  let queue: ServiceHandle;

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
  let queue: ServiceHandle;

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
  let ticker: ServiceHandle;
  let server: ServiceHandle;

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
  let queue: ServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '1000', QUEUE_TICK_MS: '20' });
  });
  afterAll(() => queue.stop());

  it('when a join’s writes land after the tick passed its number, then the fan still gets a live place', async () => {
    const concertId = await knownConcert(queue);
    const { store } = await queuePorts(queue);
    // As on a Redis Cluster on a loaded host, for a join that another instance makes: the number
    // is taken, then its bit lands only once the head has moved past it (the tick saw no bit
    // there and counted the number as gone). Once; later joins as is.
    const twoSteps = Object.create(store) as RedisQueueStore;
    twoSteps.joinAtOnce = () => Promise.resolve(undefined); // the bits on another shard
    let slowed = 0;
    const bits = Object.create(store.bits) as typeof store.bits;
    Object.defineProperty(twoSteps, 'bits', { value: bits });
    bits.markJoined = async (c, number, ...rest) => {
      if (c === concertId && slowed++ === 0)
        await eventually(async () =>
          expect((await store.line.snapshot(c, undefined, 0)).head).toBeGreaterThanOrEqual(number),
        );
      return store.bits.markJoined(c, number, ...rest);
    };
    const joining = await queueJoining(queue, twoSteps);

    const fan = await joining.join(uuid(), concertId);

    expect(fan.created).toBe(true);
    expect(slowed).toBe(2); // the passed-over number, then the one taken instead
    expect(placeOf(fan.view.tokenId)!.number).toBe(2);
    await eventually(async () =>
      expect((await poll(queue.url, fan.view.token)).body.status).toBe('ACTIVE'),
    );
  });
});
