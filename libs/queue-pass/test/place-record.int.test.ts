import { randomSuffix, testInfra } from '@ticketing/testing';
import Redis from 'ioredis';
import { readPlace } from '../src/place-record';
import { offsetOf, queueKeys, segmentKeys, segmentOf, tokenIdOf } from '../src/redis-layout';

/**
 * A rebuild after Redis lost a line (ADR 0024) writes the line's bits, then opens it, on other
 * shards than the reads of a check. The interleaving that once answered an admitted fan 401 is
 * made here on purpose, on a real Redis: the check's bit read runs before the restore, its
 * counters read after the line opened. This library owns the line's key layout and its reader
 * is what is under test: the states it must read are written by key name.
 */
describe('reading a place while its line is rebuilt', () => {
  let redis: Redis;
  const written: string[] = [];
  beforeAll(() => {
    redis = new Redis(testInfra().redisUrl, { keyPrefix: `test:${randomSuffix()}:` });
  });
  afterEach(async () => {
    if (written.length) await redis.del(...written.splice(0));
  });
  afterAll(() => redis.quit());

  /** The client a check reads with: counts its bit reads, and runs `before` ahead of its counters' read. */
  function checkClient(before: () => Promise<void> = async () => undefined) {
    const reads = { getbit: 0 };
    const client = new Proxy(redis, {
      get(target, name, receiver) {
        if (name === 'hmget')
          return async (...args: Parameters<Redis['hmget']>) => {
            await before();
            return target.hmget(...args);
          };
        if (name === 'getbit') reads.getbit++;
        const value: unknown = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { client, reads };
  }

  function line(epoch: number) {
    const concertId = 1 + Math.floor(Math.random() * 1e9);
    const place = { concertId, epoch, number: 42 };
    const keys = queueKeys(concertId);
    const alive = segmentKeys(concertId, segmentOf(place.number)).alive;
    written.push(keys.meta, alive);
    const claims = (userId: string) => ({ userId, tokenId: tokenIdOf(place), concertId });
    return { place, keys, alive, claims };
  }

  it('when the bit was read before its restore and the counters after the line opened, then the place is read alive, not gone', async () => {
    const { place, keys, alive, claims } = line(77);
    const { client } = checkClient(async () => {
      await redis.setbit(alive, offsetOf(place.number), 1);
      await redis.hset(keys.meta, { epoch: place.epoch, seq: 1000, head: 40, recovered: 1000 });
    });

    const record = await readPlace(client, claims('fan-of-the-life-before'));

    expect(record).toMatchObject({ alive: true, heldByUser: true, recovered: 1000 });
  });

  it('when the bit of a rebuilt line is truly unset, then the place is read as not alive', async () => {
    const { place, keys, claims } = line(78);
    await redis.hset(keys.meta, { epoch: place.epoch, seq: 1000, head: 40, recovered: 1000 });

    const record = await readPlace(redis, claims('fan-who-left'));

    expect(record).toMatchObject({ alive: false, recovered: 1000 });
  });

  it('when a line that was never rebuilt has the bit unset, then the bit is read once (no second round trip)', async () => {
    const { place, keys, claims } = line(79);
    await redis.hset(keys.meta, { epoch: place.epoch, seq: 1000, head: 40 });
    const { client, reads } = checkClient();

    const record = await readPlace(client, claims('fan-who-left'));

    expect(record).toMatchObject({ alive: false, recovered: 0 });
    expect(reads.getbit).toBe(1);
  });
});
