import type { Database } from '@ticketing/platform';
import type { CatalogIn, SeatMapChanges } from '../src/domain/repositories';
import { SeatMaps } from '../src/domain/seat-maps';

const CONCERT = 5;

/** Seat maps over schedules read from an in-memory catalog, on a clock the test moves. */
function seatMaps(maxAgeMs: number) {
  let now = 1_000_000;
  let reads = 0;
  let release: (() => void) | undefined;
  const gate = { held: false };
  let announce: (scheduleId: number) => void = () => undefined;
  let gap: () => void = () => undefined;
  const catalogIn = {
    reads: () => ({
      schedule: async (scheduleId: number) => {
        reads++;
        if (gate.held) await new Promise<void>((resolve) => (release = resolve));
        return { scheduleId, concertId: CONCERT, price: 1000 };
      },
      seatsOf: async () => [{ seatNo: 1, status: 'AVAILABLE' }],
    }),
  } as unknown as CatalogIn;
  const changes: SeatMapChanges = {
    follow: (changed, lost) => {
      announce = changed;
      gap = lost;
    },
  };
  const maps = new SeatMaps({} as Database, catalogIn, { maxAgeMs, changes, now: () => now });
  return {
    maps,
    read: (scheduleId: number) => maps.of(CONCERT, scheduleId, false),
    reads: () => reads,
    advance: (ms: number) => (now += ms),
    holdLoads: () => (gate.held = true),
    releaseLoad: () => {
      gate.held = false;
      release?.();
    },
    announce: (scheduleId: number) => announce(scheduleId),
    gap: () => gap(),
  };
}

describe('seat maps kept in memory', () => {
  it('when a map is read again within its age, then it is served without reading the catalog', async () => {
    const s = seatMaps(1000);
    const first = await s.read(1);
    s.advance(999);
    expect(await s.read(1)).toBe(first);
    expect(s.reads()).toBe(1);
  });

  it('when maps were loaded longer ago than their age, then keeping another forgets them unasked', async () => {
    const s = seatMaps(1000);
    for (const scheduleId of [1, 2, 3]) await s.read(scheduleId);
    expect(s.maps.size).toBe(3);
    s.advance(1001);
    await s.read(4);
    // 1 – 3 were never read again (sold-out dates, nothing announced since): gone all the same.
    expect(s.maps.size).toBe(1);
  });

  it('when a change is announced while the map is being loaded, then that load is not kept', async () => {
    const s = seatMaps(1000);
    s.holdLoads();
    const loading = s.read(1);
    s.announce(1);
    s.releaseLoad();
    await loading;
    expect(s.maps.size).toBe(0);
    await s.read(1); // the next load, with nothing announced during it, is kept
    expect(s.maps.size).toBe(1);
  });

  it('when announcements may have been lost, then every map is forgotten, loading ones too', async () => {
    const s = seatMaps(1000);
    await s.read(1);
    s.holdLoads();
    const loading = s.read(2);
    s.gap();
    s.releaseLoad();
    await loading;
    expect(s.maps.size).toBe(0);
  });

  it('when the age is 0, then nothing is kept', async () => {
    const s = seatMaps(0);
    await s.read(1);
    await s.read(1);
    expect([s.maps.size, s.reads()]).toEqual([0, 2]);
  });
});
