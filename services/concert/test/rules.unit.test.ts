import {
  isSeatNo,
  seatStatusAfter,
  unbookableReason,
  type ScheduleFacts,
} from '../src/domain/rules';

const now = new Date('2026-11-22T12:00:00Z');
const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);
const open: ScheduleFacts = {
  status: 'OPEN',
  startsAt: hours(48),
  bookingOpensAt: hours(-24),
  bookingClosesAt: hours(47),
  availableSeats: 10,
};

describe('schedule availability', () => {
  it('when open, in the booking window, in the future and with seats left, then it is bookable', () => {
    expect(unbookableReason(open, now)).toBeNull();
  });

  it.each([
    ['in the past', { startsAt: hours(-1), bookingClosesAt: hours(-2) }, 'PAST'],
    ['closed by the organiser', { status: 'CLOSED' as const }, 'CLOSED'],
    ['cancelled', { status: 'CANCELLED' as const }, 'CLOSED'],
    ['past its booking deadline', { bookingClosesAt: hours(-1) }, 'CLOSED'],
    ['not open for booking yet', { bookingOpensAt: hours(1) }, 'NOT_YET_OPEN'],
    ['sold out', { availableSeats: 0 }, 'SOLD_OUT'],
  ])('when %s, then it is not bookable (%s)', (_what, change, reason) => {
    expect(unbookableReason({ ...open, ...change }, now)).toBe(reason);
  });

  it('when the booking window closes exactly now, then it is closed (the end is exclusive)', () => {
    expect(unbookableReason({ ...open, bookingClosesAt: now }, now)).toBe('CLOSED');
  });
});

describe('seat numbers', () => {
  it.each([1, 25, 50])('when %i, then it is a seat', (n) => expect(isSeatNo(n)).toBe(true));
  it.each([0, 51, -1, 1.5, Number.NaN])('when %p, then it is not a seat', (n) =>
    expect(isSeatNo(n)).toBe(false),
  );
});

describe('seat status after a reservation event', () => {
  it.each([
    ['reservation.held', undefined, 'HELD'],
    ['reservation.confirmed', undefined, 'RESERVED'],
    ['reservation.released', undefined, 'AVAILABLE'],
    ['reservation.confirmation-reverted', 'HELD', 'HELD'],
    ['reservation.confirmation-reverted', 'RELEASED', 'AVAILABLE'],
  ] as const)('when %s (%s), then the seat is %s', (event, to, status) => {
    expect(seatStatusAfter(event, to)).toBe(status);
  });
});
