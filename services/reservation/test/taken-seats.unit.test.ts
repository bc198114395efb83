import { TakenSeats } from '../src/domain/taken-seats';

const dbNow = new Date('2026-11-22T12:00:00.000Z');
const inMs = (ms: number) => new Date(dbNow.getTime() + ms);
const seat = { scheduleId: 7, seatNo: 12, concertId: 3 };

function cache(maxAgeMs: number, maxEntries = 100) {
  let now = 1_000_000; // the instance's clock, unrelated to the database's
  const seats = new TakenSeats(maxAgeMs, maxEntries, () => now);
  return { seats, advance: (ms: number) => (now += ms) };
}

describe('seats this instance saw taken', () => {
  it('when a seat was seen held, then it is known taken, with its concert, until the cap', () => {
    const { seats, advance } = cache(1000);
    seats.remember(seat, inMs(300_000), dbNow);
    expect(seats.lookup(7, 12)).toEqual({ concertId: 3, until: expect.any(Number) });
    expect(seats.lookup(7, 13)).toBeUndefined();
    advance(999);
    expect(seats.lookup(7, 12)).toBeDefined();
    advance(1);
    expect(seats.lookup(7, 12)).toBeUndefined();
  });

  it('when the hold ends before the cap, then the seat is forgotten when the hold ends', () => {
    const { seats, advance } = cache(1000);
    seats.remember(seat, inMs(250), dbNow);
    advance(249);
    expect(seats.lookup(7, 12)).toBeDefined();
    advance(1);
    expect(seats.lookup(7, 12)).toBeUndefined();
  });

  it('when the hold is already over by the database clock, then nothing is remembered', () => {
    const { seats } = cache(1000);
    seats.remember(seat, inMs(0), dbNow);
    seats.remember({ ...seat, seatNo: 13 }, inMs(-5), dbNow);
    expect(seats.size).toBe(0);
  });

  it('when the seat is paid (no end known), then it is remembered for the cap', () => {
    const { seats, advance } = cache(500);
    seats.remember(seat, null, dbNow);
    advance(499);
    expect(seats.lookup(7, 12)).toBeDefined();
    advance(1);
    expect(seats.lookup(7, 12)).toBeUndefined();
  });

  it('when this instance releases the seat, then it is forgotten at once', () => {
    const { seats } = cache(1000);
    seats.remember(seat, null, dbNow);
    seats.forget(7, 12);
    expect(seats.lookup(7, 12)).toBeUndefined();
  });

  it('when the cap is 0, then the cache is off', () => {
    const { seats } = cache(0);
    seats.remember(seat, inMs(300_000), dbNow);
    expect(seats.lookup(7, 12)).toBeUndefined();
  });

  it('when the cache is full, then expired entries go first, and everything if that is not enough', () => {
    const { seats, advance } = cache(1000, 3);
    seats.remember({ ...seat, seatNo: 1 }, inMs(100), dbNow);
    seats.remember({ ...seat, seatNo: 2 }, null, dbNow);
    seats.remember({ ...seat, seatNo: 3 }, null, dbNow);
    advance(100);
    seats.remember({ ...seat, seatNo: 4 }, null, dbNow);
    expect([1, 2, 3, 4].map((n) => seats.lookup(7, n) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    seats.remember({ ...seat, seatNo: 5 }, null, dbNow);
    expect(seats.size).toBe(1);
    expect(seats.lookup(7, 5)).toBeDefined();
  });
});
