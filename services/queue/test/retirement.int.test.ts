import { QUEUED_CONCERTS_KEY, queueKeys, segmentKeys, userBucketKey } from '@ticketing/queue-pass';
import { randomIntId, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import { RedisQueueStore } from '../src/data-access/queue-store';

// The queue's state of a concert whose sales ended goes in two steps: the counters in one script
// on the concert's hash slot, then the segments' bits and the user index on theirs.
describe('retiring a concert queue that stopped half-way', () => {
  const prefix = `test:retire:${uuid()}:`;
  const redis = new Redis(testInfra().redisUrl, { keyPrefix: prefix });
  const store = new RedisQueueStore(redis, prefix);
  const AUDIT_TTL_MS = 60_000;

  afterAll(async () => {
    const left = await redis.keys(`${prefix}*`);
    if (left.length) await redis.unlink(...left.map((k) => k.slice(prefix.length)));
    redis.disconnect();
  });

  it('when an instance stopped after the counters went and a tick ran since, then the next retirement removes every segment', async () => {
    const concertId = randomIntId();
    const keys = queueKeys(concertId);
    await store.concerts.registerQueued(concertId);
    // Three segments and a bit of a fourth handed out; bits set in each, one fan in the index.
    const seq = 3 * 4096 + 5;
    await redis.hset(keys.meta, 'seq', seq, 'head', 0, 'epoch', 7);
    const segments = [0, 1, 2, 3].map((s) => segmentKeys(concertId, s).alive);
    for (const key of segments) await redis.setbit(key, 1, 1);
    await redis.hset(userBucketKey(concertId, 17), 'fan', 'h1');

    // The first step only, as if the instance had been killed right after it.
    const retire = (redis as unknown as { queueRetire(...a: unknown[]): Promise<number> })
      .queueRetire;
    expect(
      await retire.call(
        redis,
        keys.meta,
        keys.cohorts,
        keys.cohortLeft,
        keys.sweepLock,
        keys.audit,
        keys.retiring,
        AUDIT_TTL_MS,
      ),
    ).toBe(seq);
    // The concert is still queued, so a tick runs: the line is not open (its tombstone says it
    // ended), and the tick writes nothing.
    expect(
      await store.line.prepareTick(concertId, { admitPerSecond: 0, maxActive: 10, settleMs: 0 }),
    ).toBeUndefined();
    expect(await redis.hexists(keys.meta, 'seq')).toBe(0);

    expect(await store.line.retire(concertId, AUDIT_TTL_MS)).toBe(true);

    expect(await redis.exists(...segments)).toBe(0);
    expect(await redis.exists(userBucketKey(concertId, 17), keys.retiring)).toBe(0);
    expect(await redis.hgetall(keys.meta)).toEqual({ epoch: '7', retired: '1' }); // the tombstone
    expect(await redis.sismember(QUEUED_CONCERTS_KEY, concertId)).toBe(0);
    // Done: a further call has nothing left to do.
    expect(await store.line.retire(concertId, AUDIT_TTL_MS)).toBe(false);
  });
});
