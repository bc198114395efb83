/**
 * The catalog's records, owned by the domain: concerts, their dates and seats. data-access maps
 * rows to these.
 */

export type ScheduleStatus = 'OPEN' | 'CLOSED' | 'CANCELLED';

export type SeatStatus = 'AVAILABLE' | 'HELD' | 'RESERVED';

export interface Concert {
  concertId: number;
  title: string;
  artist: string;
  venue: string;
}

export interface Schedule {
  scheduleId: number;
  concertId: number;
  startsAt: Date;
  bookingOpensAt: Date;
  bookingClosesAt: Date;
  price: number;
  totalSeats: number;
  status: ScheduleStatus;
  revision: number;
  availableSeats: number;
}

/** A date as the queue follows it: its window, its revisions, what is left of its seats. */
export interface ScheduleSales {
  scheduleId: number;
  status: ScheduleStatus;
  bookingOpensAt: Date;
  bookingClosesAt: Date;
  totalSeats: number;
  revision: number;
  availableSeats: number;
  heldSeats: number;
  seatsRevision: number;
}

export interface Seat {
  seatNo: number;
  status: SeatStatus;
}
