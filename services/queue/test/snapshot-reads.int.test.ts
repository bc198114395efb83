import { SEGMENT_SIZE, segmentKeys } from '@ticketing/queue-pass';
import { randomInt } from 'node:crypto';
import type { RedisQueueStore } from '../src/data-access/queue-store';
import type { SnapshotData } from '../src/domain/records';
import { JOIN_SETTLE_MS } from '../src/domain/settings';
import { QueueSnapshot } from '../src/domain/queue-snapshot';
import { KEY_PREFIX, queuePorts } from './harness';

const SEGMENTS = 3;
const LAST = SEGMENTS * SEGMENT_SIZE - 1;
// Seen bits of the crowd's segments outlive the test.
const SEEN_TTL_MS = 60_000;

/**
 * A snapshot reads again only the segments that changed (ADR 0015): two instances' stores on
 * one real Redis, one concert whose three segments are full of waiting fans, made through the
 * store's own writes. One case clears a bit without its departure counted, as a crash between
 * the two leaves it: no write of the store does half of that, so that bit goes to its key.
 */
describe('snapshot reads of a crowd', () => {
  const prefix = `${KEY_PREFIX}snapshot-reads:`;
  let here: RedisQueueStore;
  let elsewhere: RedisQueueStore;

  beforeAll(async () => {
    here = (await queuePorts({ REDIS_KEY_PREFIX: prefix, INSTANCE_ID: 'here' })).store;
    elsewhere = (await queuePorts({ REDIS_KEY_PREFIX: prefix, INSTANCE_ID: 'elsewhere' })).store;
  });

  /**
   * A concert whose numbers 1..LAST are all held by waiting fans (all but those in `joining`,
   * whose numbers are taken and whose joins are not done yet), its line as a rebuild writes it.
   */
  async function crowd(joining: number[] = []): Promise<number> {
    const concertId = randomInt(1, 2 ** 31);
    const line = { epoch: 7, reserved: LAST, issued: LAST, head: 0, rebuilt: false, ranges: [] };
    expect(await here.line.openLine(concertId, line)).toBe(true);
    for (let s = 0; s < SEGMENTS; s++) {
      const alive = Buffer.alloc(SEGMENT_SIZE / 8, 0xff);
      for (const n of joining.filter((n) => Math.floor(n / SEGMENT_SIZE) === s))
        alive[(n % SEGMENT_SIZE) >> 3]! &= ~(0x80 >> (n % 8));
      expect(await here.line.restoreSegment(concertId, s, alive, 1, SEEN_TTL_MS)).toBe(true);
    }
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
    const concertId = await crowd([LAST]); // LAST is taken, its join not done yet
    const first = await read(concertId);
    expect(new QueueSnapshot(first).alive(LAST)).toBe(false);

    await elsewhere.bits.markJoined(concertId, LAST, 1, SEEN_TTL_MS);
    const next = await read(concertId, first); // read moments later: nothing settled
    expect(new QueueSnapshot(next).alive(LAST)).toBe(true);
  });

  it('when bits changed without a departure counted (a crash between the two), then the periodic full read heals the snapshot', async () => {
    const concertId = await crowd();
    const first = await read(concertId);
    await here.redis.setbit(segmentKeys(concertId, 0).alive, 9, 0); // no count: as after a crash

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
