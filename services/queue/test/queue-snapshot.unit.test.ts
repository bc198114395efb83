import { SEGMENT_SIZE, placeOf, tokenIdOf } from '@ticketing/queue-pass';
import { countBits, setBit } from '../src/domain/bitmaps';
import type { SnapshotData } from '../src/domain/records';
import { QueueSnapshot } from '../src/domain/queue-snapshot';

/** A snapshot whose alive numbers are `alive` (and every other number ≤ seq gone). */
function snapshotOf(options: {
  head: number;
  seq: number;
  alive: number[];
  cohorts?: SnapshotData['cohorts'];
  soldOut?: boolean;
  /** Numbers after it may have joins in flight (default: every number settled). */
  settledSeq?: number;
}): QueueSnapshot {
  const segments = new Map<number, Uint8Array>();
  for (let s = 0; s <= Math.floor(options.seq / SEGMENT_SIZE); s++)
    segments.set(s, new Uint8Array(SEGMENT_SIZE / 8));
  for (const n of options.alive)
    setBit(segments.get(Math.floor(n / SEGMENT_SIZE))!, n % SEGMENT_SIZE, true);
  return new QueueSnapshot({
    concertId: 1,
    epoch: 1,
    gen: 0,
    head: options.head,
    seq: options.seq,
    settledSeq: options.settledSeq ?? options.seq,
    soldOut: options.soldOut ?? false,
    cohorts: options.cohorts ?? [],
    segments,
    versions: new Map(),
    counters: [],
    fullAtMs: 0,
    takenAtMs: 0,
  });
}

describe('positions from numbers (the snapshot)', () => {
  it('when every fan is alive, then a position is the number minus the head', () => {
    const all = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const s = snapshotOf({ head: 2500, seq: 10_000, alive: all });
    for (const n of [2501, 4096, 4097, 8191, 8192, 10_000])
      expect(s.stateOf(n, 0)).toEqual({ status: 'WAITING', position: n - 2500 });
  });

  it('when fans ahead left, then they are not counted, across segment boundaries', () => {
    const alive = Array.from({ length: 9000 }, (_, i) => i + 1).filter((n) => n % 3 !== 0);
    const s = snapshotOf({ head: 100, seq: 9000, alive });
    for (const n of [101, 4094, 4097, 8200, 8999]) {
      const expected = 1 + alive.filter((m) => m > 100 && m < n).length;
      expect(s.position(n)).toBe(expected);
    }
    expect(s.stateOf(4095, 0)).toEqual({ status: 'GONE' }); // 4095 % 3 === 0: left
  });

  it('when a number was handed out after the snapshot, then the numbers between count as alive', () => {
    const s = snapshotOf({ head: 0, seq: 10, alive: [2, 4, 6] });
    expect(s.position(15)).toBe(1 + 3 + 4); // 2, 4, 6, then 11..14
    expect(s.stateOf(15, 0)).toMatchObject({ status: 'WAITING' });
  });

  it('when numbers were handed out after the settled counter, then those with no bit yet count as ahead (joins in flight), not as gone', () => {
    // 1..100 settled, 51..60 left; 101..110 handed out since, only 105 and 110 with their bits.
    const alive = [...Array.from({ length: 50 }, (_, i) => i + 1), 61, 62, 63, 105, 110];
    const s = snapshotOf({ head: 0, seq: 110, settledSeq: 100, alive: [...alive] });
    expect(s.position(63)).toBe(1 + 50 + 2);
    expect(s.position(105)).toBe(1 + 53 + 4); // 101..104 ahead, in flight
    expect(s.position(110)).toBe(1 + 53 + 9);
    expect(s.position(112)).toBe(1 + 53 + 11); // after the snapshot: 111 ahead too
    expect(s.stateOf(103, 0)).toEqual({ status: 'GONE' }); // the store is asked about its own
  });

  it('when every fan joins while snapshots are taken, then no two fans are told the same position', () => {
    // Fans 1..400: each snapshot sees the bits of a random part of the young numbers.
    const told = new Map<number, number>();
    for (let seq = 100; seq <= 400; seq += 50) {
      const landed = Array.from({ length: seq }, (_, i) => i + 1).filter(
        (n) => n <= seq - 50 || n % 7 !== 0,
      );
      const s = snapshotOf({ head: 0, seq, settledSeq: seq - 50, alive: landed });
      for (const n of landed.filter((m) => m > seq - 50)) told.set(n, s.position(n));
    }
    const positions = [...told.values()];
    expect(new Set(positions).size).toBe(positions.length);
    expect(positions).toEqual([...told.keys()]); // no one left: a position is the number
  });

  it('when a fan with a number in flight leaves on this instance, then they are no longer counted', () => {
    const s = snapshotOf({ head: 0, seq: 20, settledSeq: 10, alive: [1, 2, 3, 12] });
    expect(s.position(20)).toBe(1 + 3 + 9);
    s.markGone(15);
    expect(s.position(20)).toBe(1 + 3 + 8);
  });

  it('when a fan is admitted, then ACTIVE until its range ends, and GONE after', () => {
    const s = snapshotOf({
      head: 20,
      seq: 30,
      alive: [5, 7, 25],
      cohorts: [{ from: 1, to: 20, untilMs: 1000 }],
    });
    expect(s.stateOf(5, 999)).toEqual({ status: 'ACTIVE', untilMs: 1000 });
    expect(s.stateOf(5, 1000)).toEqual({ status: 'GONE' });
    expect(s.stateOf(6, 0)).toEqual({ status: 'GONE' }); // skipped: gone when the head passed
    expect(s.stateOf(25, 0)).toEqual({ status: 'WAITING', position: 1 });
  });

  it('when nothing is left to sell, then a waiting fan is SOLD_OUT and keeps the place', () => {
    const s = snapshotOf({ head: 0, seq: 3, alive: [1, 2, 3], soldOut: true });
    expect(s.stateOf(3, 0)).toEqual({ status: 'SOLD_OUT', position: 3 });
  });

  it('when this instance sees a fan leave, then those behind move up at once', () => {
    const s = snapshotOf({ head: 0, seq: 5, alive: [1, 2, 3, 4, 5] });
    expect(s.position(5)).toBe(5);
    s.markGone(2);
    expect(s.position(5)).toBe(4);
    expect(s.stateOf(2, 0)).toEqual({ status: 'GONE' });
  });
});

describe('bit counting', () => {
  it('when counting any range, then it agrees with counting bit by bit', () => {
    const bits = new Uint8Array(64);
    for (let i = 0; i < 512; i += 7) setBit(bits, i, true);
    for (const [from, to] of [
      [0, 512],
      [3, 5],
      [1, 200],
      [8, 16],
      [500, 700],
    ] as const)
      expect(countBits(bits, from, to)).toBe(
        Array.from({ length: Math.min(to, 512) - from }, (_, k) => from + k).filter(
          (i) => i % 7 === 0,
        ).length,
      );
  });
});

describe('token ids are places', () => {
  it('when a place is written as a token id, then it reads back, and the id is a v8 UUID', () => {
    for (const place of [
      { concertId: 1, epoch: 1, number: 1 },
      { concertId: 2 ** 31 - 1, epoch: 2 ** 24 - 1, number: 2 ** 53 - 1 },
    ]) {
      const id = tokenIdOf(place);
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(placeOf(id)).toEqual(place);
    }
  });

  it('when a UUID is not a place (a random v4), then it names no place', () => {
    expect(placeOf('0b0e7b1e-6f6c-4f55-9a3e-0f3f2b6e9a21')).toBeUndefined();
  });
});
