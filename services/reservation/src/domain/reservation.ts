/**
 * The reservation service's records, owned by the domain: a fan's reservation of a seat, and
 * the replica of a concert's schedule as far as holds need it. data-access maps rows to these.
 */

export type ReservationStatus = 'HELD' | 'CONFIRMED' | 'RELEASED';

export type ReleaseReason = 'EXPIRED' | 'CANCELLED';

/** The replica of a concert service's schedule, as far as holds need it. */
export interface ReplicaSchedule {
  scheduleId: number;
  concertId: number;
  startsAt: Date;
  bookingOpensAt: Date;
  bookingClosesAt: Date;
  status: string;
  totalSeats: number;
}

export interface Reservation {
  reservationId: string;
  userId: string;
  scheduleId: number;
  concertId: number;
  seatNo: number;
  price: number;
  status: ReservationStatus;
  releaseReason: ReleaseReason | null;
  heldUntil: Date;
  paymentId: string | null;
  seatVersion: number;
}
