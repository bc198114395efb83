/** Pure rules of the catalog. */
import type { ScheduleStatus, SeatStatus } from '../data-access/catalog-repository';

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
