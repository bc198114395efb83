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

  it('when the cache is full, then the seat remembered longest ago goes first', () => {
    const { seats } = cache(1000, 3);
    for (const seatNo of [1, 2, 3, 4]) seats.remember({ ...seat, seatNo }, null, dbNow);
    expect([1, 2, 3, 4].map((n) => seats.lookup(7, n) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(seats.size).toBe(3);
  });

  it('when seats were seen taken longer ago than the cap, then the next one remembered forgets them unasked', () => {
    const { seats, advance } = cache(1000);
    for (const seatNo of [1, 2, 3]) seats.remember({ ...seat, seatNo }, inMs(300_000), dbNow);
    advance(500);
    seats.remember({ ...seat, seatNo: 4 }, null, dbNow);
    expect(seats.size).toBe(4); // all still within the cap
    advance(501);
    seats.remember({ ...seat, seatNo: 5 }, null, dbNow);
    // 1 – 3 were never looked up again (a sold-out date's seats): gone all the same.
    expect(seats.size).toBe(2);
    expect([4, 5].map((n) => seats.lookup(7, n) !== undefined)).toEqual([true, true]);
  });
});
