import { queueKeys } from '@ticketing/auth';
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
    const keys = queueKeys(concertId);
    for (let i = 0; i < 10_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, () =>
          filler.store.issue(concertId, uuid(), uuid(), 'jwt', 600_000),
        ),
      );
    }
    // Arrival order is the counter's order, as the waiting set holds it.
    const arrival = await redis.zrange(keys.waiting, 0, -1);
    expect(arrival).toHaveLength(10_000);
    const rankOf = new Map(arrival.map((id, i) => [id, i]));

    a = await startQueue({ ...settings, REDIS_KEY_PREFIX: `${KEY_PREFIX}2:` });
    b = await startQueue({ ...settings, REDIS_KEY_PREFIX: `${KEY_PREFIX}2:` });
    let maxSeen = 0;
    let samples = 0;
    await eventually(
      async () => {
        const [[, active], [, head]] = (await redis
          .multi()
          .zrange(keys.active, 0, -1)
          .zrange(keys.waiting, 0, 0)
          .exec()) as [[null, string[]], [null, string[]]];
        samples += 1;
        maxSeen = Math.max(maxSeen, active.length);
        expect(active.length).toBeLessThanOrEqual(MAX_ACTIVE);
        // Zero inversions: everyone admitted arrived before everyone still waiting.
        const lastAdmitted = Math.max(-1, ...active.map((id) => rankOf.get(id)!));
        if (head.length) expect(lastAdmitted).toBeLessThan(rankOf.get(head[0]!)!);
        expect(active.length).toBe(MAX_ACTIVE); // keep sampling until admission has filled up
      },
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    expect(samples).toBeGreaterThan(3);
    expect(maxSeen).toBe(MAX_ACTIVE);
    // The admitted are exactly the first 3,000 arrivals.
    const active = new Set(await redis.zrange(keys.active, 0, -1));
    expect(arrival.slice(0, MAX_ACTIVE).every((id) => active.has(id))).toBe(true);
    // More ticks admit nobody beyond the cap.
    await Promise.all([a.ticker.tick(), b.ticker.tick(), a.ticker.tick()]);
    expect(await redis.zcard(keys.active)).toBe(MAX_ACTIVE);
  });
});

describe('token lifetimes', () => {
  let queue: QueueServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_MAX_ACTIVE: '1',
      QUEUE_ACTIVE_TTL_SECONDS: '1',
      QUEUE_IDLE_TIMEOUT_SECONDS: '1',
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
      QUEUE_IDLE_TIMEOUT_SECONDS: '1',
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
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    expect((await poll(queue.url, idle.body.token)).status).toBe(401);
  });
});
