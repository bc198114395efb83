import { SEGMENT_SIZE, offsetOf, segmentOf, type PlaceRecord } from '@ticketing/queue-pass';
import { bitAt } from '../src/domain/bitmaps';
import { bitsOfRebuiltLine } from '../src/domain/line-durability';
import { restorable } from '../src/domain/line-durability/restore';

const IDLE_MS = 60_000;

/** The numbers whose bits a rebuilt line gets, in order. */
const aliveIn = (segments: Map<number, Uint8Array>) =>
  [...segments]
    .flatMap(([segment, bits]) =>
      Array.from({ length: SEGMENT_SIZE }, (_, o) => segment * SEGMENT_SIZE + o).filter((n) =>
        bitAt(bits, offsetOf(n)),
      ),
    )
    .sort((a, b) => a - b);

/** A place as the store reads it after a rebuild, the number's bit and entry lost. */
const lostPlace = (overrides: Partial<PlaceRecord> = {}): PlaceRecord => ({
  heldByUser: true,
  holder: 'none',
  alive: false,
  head: 10,
  epoch: 7,
  seq: 2000,
  recovered: 1000,
  presumed: 40,
  repairedAtMs: 1_000_000,
  ...overrides,
});

/** The rules a line rebuilt after Redis lost it follows (ADR 0024, 0038), one story each. */
describe('a line rebuilt after its store lost it', () => {
  it('when fans wait after the head, then every number up to the last one recorded as handed out is in line again, and none after it', () => {
    const bits = bitsOfRebuiltLine({ head: 3, issued: 8 }, []);
    expect(aliveIn(bits)).toEqual([4, 5, 6, 7, 8]);
  });

  it('when a range of admitted fans is still active, then its fans are admitted again, but not those its move skipped as idle or found gone', () => {
    const live = [{ from: 1, to: 6, admitted: 3, idle: '2', gone: '4-5', untilMs: 9e12, atMs: 0 }];
    expect(aliveIn(bitsOfRebuiltLine({ head: 6, issued: 6 }, live))).toEqual([1, 3, 6]);
  });

  it('when the line spans segments, then each segment gets its own bits', () => {
    const last = SEGMENT_SIZE + 2;
    const bits = bitsOfRebuiltLine({ head: SEGMENT_SIZE - 2, issued: last }, []);
    expect([...bits.keys()]).toEqual([segmentOf(SEGMENT_SIZE - 1), segmentOf(last)]);
    expect(aliveIn(bits)).toEqual([SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, last]);
  });

  it('when a fan whose number Postgres never recorded comes back within the idle timeout, behind the head, then their pass restores their place', () => {
    expect(restorable(lostPlace(), 41, 1_000_000 + IDLE_MS - 1, IDLE_MS)).toBe(true);
  });

  it('when such a fan comes back after the idle timeout of the rebuild, then their place is gone', () => {
    expect(restorable(lostPlace(), 41, 1_000_000 + IDLE_MS, IDLE_MS)).toBe(false);
  });

  it('when the number was presumed in line (it has no bit now: it left or was dropped), or the head passed it, then nothing is restored', () => {
    expect(restorable(lostPlace(), 40, 1_000_000, IDLE_MS)).toBe(false);
    expect(restorable(lostPlace({ head: 50 }), 41, 1_000_000, IDLE_MS)).toBe(false);
  });

  it('when the number is of the line after the rebuild, or the index names something for the user, or its bit is set, then it is not a lost place', () => {
    expect(restorable(lostPlace(), 1001, 1_000_000, IDLE_MS)).toBe(false);
    expect(restorable(lostPlace({ holder: 'other' }), 41, 1_000_000, IDLE_MS)).toBe(false);
    expect(restorable(lostPlace({ alive: true }), 41, 1_000_000, IDLE_MS)).toBe(false);
  });
});
