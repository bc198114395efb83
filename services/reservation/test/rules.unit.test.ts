import type { ReservationStatus } from '../src/domain/reservation';
import {
  assertTransition,
  canTransition,
  holdRefusal,
  holdWindow,
  isHoldOver,
  statusAfterRevert,
} from '../src/domain/rules';

const now = new Date('2026-11-22T12:00:00.000Z');
const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);
/** A date open for booking at `now`. */
const open = {
  scheduleId: 1,
  concertId: 1,
  startsAt: hours(48),
  bookingOpensAt: hours(-1),
  bookingClosesAt: hours(47),
  status: 'OPEN',
  totalSeats: 50,
};

// The hold's end itself is computed by Postgres (now() + HOLD_TTL_SECONDS, holds-api.int).
describe('the end of a hold', () => {
  const end = new Date(now.getTime() + 300_000);

  it('when the end is reached exactly, then the hold is over (the end is exclusive)', () => {
    expect(isHoldOver(end, new Date(end.getTime() - 1))).toBe(false);
    expect(isHoldOver(end, end)).toBe(true);
  });

  it('when a confirmation is reverted, then the seat is held again only while its time lasts', () => {
    expect(statusAfterRevert(end, now)).toBe('HELD');
    expect(statusAfterRevert(now, now)).toBe('RELEASED');
  });
});

describe('state transitions', () => {
  const all: ReservationStatus[] = ['HELD', 'CONFIRMED', 'RELEASED'];
  const allowed = new Set([
    'HELD>CONFIRMED',
    'HELD>RELEASED',
    'CONFIRMED>HELD',
    'CONFIRMED>RELEASED',
  ]);
  it.each(all.flatMap((from) => all.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
    if (allowed.has(`${from}>${to}`)) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(`cannot go from ${from} to ${to}`);
  });
});

describe('when holds are refused', () => {
  it('when the schedule is open, then holds are allowed', () =>
    expect(holdRefusal(open, now)).toBeNull());
  it.each([
    ['closed', { status: 'CLOSED' }, 'CLOSED'],
    ['past', { startsAt: hours(-1), bookingClosesAt: hours(-2) }, 'PAST'],
    ['past its booking deadline', { bookingClosesAt: hours(-1) }, 'CLOSED'],
    ['not yet open', { bookingOpensAt: hours(1) }, 'NOT_YET_OPEN'],
  ])('when %s, then refused (%s)', (_what, change, reason) => {
    expect(holdRefusal({ ...open, ...change }, now)).toBe(reason);
  });
});

describe('the window in which holds are allowed', () => {
  it.each([
    ['open', open],
    ['not yet open', { ...open, bookingOpensAt: hours(1) }],
    ['closing after it starts', { ...open, bookingClosesAt: hours(49) }],
    ['past', { ...open, startsAt: hours(-1), bookingClosesAt: hours(-2) }],
  ])('when %s, then holds are allowed exactly inside the window', (_what, schedule) => {
    const window = holdWindow(schedule)!;
    const inside = (at: Date) => at >= window.from && at < window.until;
    for (const at of [
      hours(-3),
      window.from,
      new Date(window.from.getTime() - 1),
      now,
      new Date(window.until.getTime() - 1),
      window.until,
      hours(50),
    ])
      expect(holdRefusal(schedule, at) === null).toBe(inside(at));
  });
  it('when the schedule is not OPEN, then there is no window', () =>
    expect(holdWindow({ ...open, status: 'CANCELLED' })).toBeNull());
});
