/** Pure rules of the catalog. */
import type { ScheduleStatus, SeatStatus } from './catalog-records';

export type { ScheduleStatus, SeatStatus };

export const SEATS_PER_SCHEDULE = 50;

export interface ScheduleFacts {
  status: ScheduleStatus;
  startsAt: Date;
  bookingOpensAt: Date;
  bookingClosesAt: Date;
  availableSeats: number;
}

/** Why a schedule cannot be booked now, or null when it can. */
export function unbookableReason(
  s: ScheduleFacts,
  now: Date,
): 'CLOSED' | 'NOT_YET_OPEN' | 'PAST' | 'SOLD_OUT' | null {
  if (s.status !== 'OPEN') return 'CLOSED';
  if (s.startsAt.getTime() <= now.getTime()) return 'PAST';
  if (now.getTime() >= s.bookingClosesAt.getTime()) return 'CLOSED';
  if (now.getTime() < s.bookingOpensAt.getTime()) return 'NOT_YET_OPEN';
  if (s.availableSeats <= 0) return 'SOLD_OUT';
  return null;
}

export const isBookable = (s: ScheduleFacts, now: Date) => unbookableReason(s, now) === null;

/** What is wrong with a new sales window, or null: the date in the future, sales before it. */
export function scheduleWindowProblem(
  w: { startsAt: Date; salesOpenAt: Date },
  now: Date,
  salesOpenAtGiven: boolean,
): string | null {
  if (w.startsAt.getTime() <= now.getTime()) return 'body.startsAt: must be in the future';
  if (salesOpenAtGiven && w.salesOpenAt.getTime() <= now.getTime())
    return 'body.salesOpenAt: must be in the future (leave it out to open sales now)';
  if (w.salesOpenAt.getTime() >= w.startsAt.getTime())
    return 'body.salesOpenAt: must be before the date starts';
  return null;
}

/** Why an operator may not change a date's price or sales window now, or null. */
export function editRefusal(
  s: { status: ScheduleStatus; bookingOpensAt: Date },
  now: Date,
): 'CANCELLED' | 'SALES_OPEN' | null {
  if (s.status === 'CANCELLED') return 'CANCELLED';
  if (now.getTime() >= s.bookingOpensAt.getTime()) return 'SALES_OPEN';
  return null;
}

export const isSeatNo = (n: number) => Number.isInteger(n) && n >= 1 && n <= SEATS_PER_SCHEDULE;

/** The seat status a reservation event leads to. */
export function seatStatusAfter(
  event:
    | 'reservation.held'
    | 'reservation.released'
    | 'reservation.confirmed'
    | 'reservation.confirmation-reverted',
  revertedTo?: 'HELD' | 'RELEASED',
): SeatStatus {
  switch (event) {
    case 'reservation.held':
      return 'HELD';
    case 'reservation.confirmed':
      return 'RESERVED';
    case 'reservation.released':
      return 'AVAILABLE';
    case 'reservation.confirmation-reverted':
      return revertedTo === 'HELD' ? 'HELD' : 'AVAILABLE';
  }
}
