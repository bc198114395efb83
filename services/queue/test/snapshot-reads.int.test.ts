import { SEGMENT_SIZE, queueKeys, segmentKeys } from '@ticketing/queue-pass';
import { testInfra } from '@ticketing/testing';
import { randomInt } from 'node:crypto';
import Redis from 'ioredis';
import type { SnapshotData } from '../src/domain/records';
import { RedisQueueStore } from '../src/data-access/queue-store';
import { JOIN_SETTLE_MS } from '../src/domain/settings';
import { QueueSnapshot } from '../src/domain/queue-snapshot';
import { KEY_PREFIX } from './harness';

const SEGMENTS = 3;
const LAST = SEGMENTS * SEGMENT_SIZE - 1;

/**
 * A snapshot reads again only the segments that changed (ADR 0015): two instances' stores on
 * one real Redis, one concert whose three segments are full of waiting fans.
 */
describe('snapshot reads of a crowd', () => {
  const prefix = `${KEY_PREFIX}snapshot-reads:`;
  let redis: Redis;
  let here: RedisQueueStore;
  let elsewhere: RedisQueueStore;
  let other: Redis;

  beforeAll(() => {
    redis = new Redis(testInfra().redisUrl, { keyPrefix: prefix });
    other = new Redis(testInfra().redisUrl, { keyPrefix: prefix });
    here = new RedisQueueStore(redis, prefix);
    elsewhere = new RedisQueueStore(other, prefix);
  });
  afterAll(() => {
    redis.disconnect();
    other.disconnect();
  });

  /** A concert whose numbers 1..LAST are all held by waiting fans. */
  async function crowd(): Promise<number> {
    const concertId = randomInt(1, 2 ** 31);
    await redis.hset(queueKeys(concertId).meta, 'seq', LAST, 'head', 0, 'epoch', 7);
    for (let s = 0; s < SEGMENTS; s++)
      await redis.set(segmentKeys(concertId, s).alive, Buffer.alloc(SEGMENT_SIZE / 8, 0xff));
    return concertId;
  }

  const read = (concertId: number, previous?: SnapshotData) =>
    here.line.snapshot(concertId, previous, JOIN_SETTLE_MS);

  /** As if read long enough ago that every number was settled. */
  const settled = (data: SnapshotData): SnapshotData => ({
    ...data,
    counters: [[Date.now() - 60_000, data.seq]],
  });

  it('when a fan far back leaves through another instance, then the next read counts them gone and reads only their segment again', async () => {
    const concertId = await crowd();
    const first = await read(concertId);
    expect(new QueueSnapshot(first).position(LAST)).toBe(LAST);

    expect(await elsewhere.bits.clearAlive(concertId, SEGMENT_SIZE + 5)).toBe(true);
    const next = await read(concertId, settled(first));

    expect(new QueueSnapshot(next).position(LAST)).toBe(LAST - 1);
    expect(new QueueSnapshot(next).stateOf(SEGMENT_SIZE + 5, Date.now())).toEqual({
      status: 'GONE',
    });
    expect(next.segments.get(1)).not.toBe(first.segments.get(1)); // read again
    expect(next.segments.get(0)).toBe(first.segments.get(0)); // kept
    expect(next.segments.get(2)).not.toBe(first.segments.get(2)); // the tail: numbers settling
  });

  it('when idle fans are dropped in two segments, then both are read again and every position is exact', async () => {
    const concertId = await crowd();
    const first = await read(concertId);
    await elsewhere.bits.clearMany(concertId, [3, 4, SEGMENT_SIZE * 2 + 1]);
    const next = new QueueSnapshot(await read(concertId, settled(first)));
    expect(next.position(10)).toBe(10 - 2);
    expect(next.position(LAST)).toBe(LAST - 3);
  });

  it('when a number’s bit lands after a read (a join in flight), then the next read sees it: young numbers are read again', async () => {
    const concertId = await crowd();
    const tail = segmentKeys(concertId, SEGMENTS - 1).alive;
    await redis.setbit(tail, SEGMENT_SIZE - 1, 0); // LAST is taken, its join not done yet
    const first = await read(concertId);
    expect(new QueueSnapshot(first).alive(LAST)).toBe(false);

    await redis.setbit(tail, SEGMENT_SIZE - 1, 1);
    const next = await read(concertId, first); // read moments later: nothing settled
    expect(new QueueSnapshot(next).alive(LAST)).toBe(true);
  });

  it('when bits changed without a departure counted (a crash between the two), then the periodic full read heals the snapshot', async () => {
    const concertId = await crowd();
    const first = await read(concertId);
    await redis.setbit(segmentKeys(concertId, 0).alive, 9, 0); // no count: as after a crash

    const stale = await read(concertId, settled(first));
    expect(new QueueSnapshot(stale).alive(9)).toBe(true); // not read again: nothing counted

    const healed = await read(concertId, { ...settled(stale), fullAtMs: 0 });
    expect(new QueueSnapshot(healed).alive(9)).toBe(false);
    expect(healed.fullAtMs).toBeGreaterThan(0);
  });

  it('when the periodic full read has just happened, then the next read takes only the young tail again, not every segment', async () => {
    const concertId = await crowd();
    const first = settled(await read(concertId));
    const full = await read(concertId, { ...first, fullAtMs: 0 });
    expect(full.segments.get(0)).not.toBe(first.segments.get(0)); // the full read: all again

    const next = await read(concertId, full);
    expect(next.segments.get(0)).toBe(full.segments.get(0)); // settled before the full read
    expect(next.segments.get(1)).toBe(full.segments.get(1));
    expect(next.segments.get(2)).not.toBe(full.segments.get(2)); // the tail: numbers settling
  });
});
