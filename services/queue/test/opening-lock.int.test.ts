import { queueKeys } from '@ticketing/queue-pass';
import { connectRedis } from '@ticketing/platform/wiring';
import { eventually, randomIntId, testInfra } from '@ticketing/testing';
import { RedisQueueStore } from '../src/data-access/queue-store';
import { KEY_PREFIX, testRedisUsers } from './harness';

/**
 * One instance at a time opens or rebuilds a concert's line (ADR 0024), under a lock that
 * expires: an instance slower than the expiry must not take away the lock another instance took
 * since, or two instances rebuild the line at once.
 */
describe("a line's opening lock", () => {
  let store: RedisQueueStore;

  beforeAll(async () => {
    // As the queue's own Redis user: its rules must allow what the unlock runs.
    const login = (await testRedisUsers()).login('queue');
    store = new RedisQueueStore(
      connectRedis(testInfra().redisUrl, { keyPrefix: KEY_PREFIX, login }),
      KEY_PREFIX,
    );
  });
  afterAll(() => store.redis.quit());

  it('when an opening outlasts its lock and another instance takes the lock, then the first one’s unlock leaves the other’s lock in place', async () => {
    const concertId = randomIntId();
    // Two seconds: long enough that the next call finds it held on a loaded machine (20 ms once
    // expired before it), short enough to wait out.
    expect(await store.line.lockOpening(concertId, 'slow', 2_000)).toBe(true);
    expect(await store.line.lockOpening(concertId, 'other', 60_000)).toBe(false);
    // The slow instance's lock expires; another instance takes it.
    await eventually(
      async () => expect(await store.line.lockOpening(concertId, 'other', 60_000)).toBe(true),
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    expect(await store.line.unlockOpening(concertId, 'slow')).toBe(false);

    expect(await store.redis.get(queueKeys(concertId).opening)).toBe('other');
    expect(await store.line.lockOpening(concertId, 'third', 60_000)).toBe(false);
  });

  it('when the instance holding the lock is done, then its unlock frees it for the next', async () => {
    const concertId = randomIntId();
    expect(await store.line.lockOpening(concertId, 'one', 60_000)).toBe(true);

    expect(await store.line.unlockOpening(concertId, 'one')).toBe(true);

    expect(await store.redis.exists(queueKeys(concertId).opening)).toBe(0);
    expect(await store.line.lockOpening(concertId, 'next', 60_000)).toBe(true);
    await store.line.unlockOpening(concertId, 'next');
  });
});
