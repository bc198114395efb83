import { randomSuffix, testInfra } from '@ticketing/testing';
import Redis from 'ioredis';
import { readPlace } from '../src/place-record';
import { offsetOf, queueKeys, segmentKeys, segmentOf, tokenIdOf } from '../src/redis-layout';

/**
 * A rebuild after Redis lost a line (ADR 0024) writes the line's bits, then opens it, on other
 * shards than the reads of a check. The interleaving that once answered an admitted fan 401 is
 * made here on purpose, on a real Redis: the check's bit read runs before the restore, its
 * counters read after the line opened.
 */
describe('reading a place while its line is rebuilt', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testInfra().redisUrl, { keyPrefix: `test:${randomSuffix()}:` });
  });
  afterAll(() => redis.quit());

  it('when the bit was read before its restore and the counters after the line opened, then the place is read alive, not gone', async () => {
    const concertId = 1 + Math.floor(Math.random() * 1e9);
    const place = { concertId, epoch: 77, number: 42 };
    const keys = queueKeys(concertId);
    const alive = segmentKeys(concertId, segmentOf(place.number)).alive;
    const rebuild = async () => {
      await redis.setbit(alive, offsetOf(place.number), 1);
      await redis.hset(keys.meta, { epoch: place.epoch, seq: 1000, head: 40, recovered: 1000 });
      await redis.zadd(keys.cohorts, 50, `41:50:${Date.now() + 60_000}`);
    };
    // The check's counters are read only once the rebuild is done; its first bit read is not held.
    const interleaved = new Proxy(redis, {
      get(target, name, receiver) {
        if (name === 'hmget')
          return async (...args: Parameters<Redis['hmget']>) => {
            await rebuild();
            return target.hmget(...args);
          };
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const record = await readPlace(interleaved, {
      userId: 'fan-of-the-life-before',
      tokenId: tokenIdOf(place),
      concertId,
    });

    expect(record).toMatchObject({ alive: true, heldByUser: true, recovered: 1000 });
    await redis.del(alive, keys.meta, keys.cohorts);
  });

  it('when the bit of a rebuilt line is truly unset, then the place is read as not alive', async () => {
    const concertId = 1 + Math.floor(Math.random() * 1e9);
    const place = { concertId, epoch: 78, number: 42 };
    const keys = queueKeys(concertId);
    await redis.hset(keys.meta, { epoch: place.epoch, seq: 1000, head: 40, recovered: 1000 });

    const record = await readPlace(redis, {
      userId: 'fan-who-left',
      tokenId: tokenIdOf(place),
      concertId,
    });

    expect(record).toMatchObject({ alive: false, recovered: 1000 });
    await redis.del(keys.meta);
  });
});
