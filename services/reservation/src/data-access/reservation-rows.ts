/**
 * What every part of the reservation repository shares: the SQL of a reservation's columns and
 * revision, and what a process remembers between statements.
 */
import { BoundedMemory, rowRevision } from '@ticketing/platform';
import type { Reservation } from '../domain/reservation';
import type { HoldConflict, KnownSchedule } from '../domain/repositories';

/** A reservation's columns, from `reservations r` joined with `schedules s`. */
export const COLUMNS = `r.id as "reservationId", r.user_id as "userId", r.schedule_id as "scheduleId",
  s.concert_id as "concertId", r.seat_no as "seatNo", r.price, r.status, r.release_reason as "releaseReason",
  r.held_until as "heldUntil", r.payment_id as "paymentId", r.seat_version as "seatVersion"`;

export const REVISION = rowRevision('r');

/** Which unique rule a failed insert broke (Postgres names the constraint). */
export function holdConflictOf(err: unknown): HoldConflict | undefined {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505') return undefined;
  if (e.constraint === 'reservations_live_seat') return 'SEAT_TAKEN';
  if (e.constraint === 'reservations_one_hold_per_user') return 'USER_HAS_HOLD';
  return undefined;
}

/** A hold as this process wrote it: the reservation, its date's status and its revision. */
export interface RememberedHold {
  reservation: Reservation;
  scheduleStatus: string;
  revision: string;
}

/**
 * What a process remembers between statements (ADR 0036), each entry checked by the write that
 * relies on it, which writes nothing if the row moved since (released by a sweeper, confirmed
 * through another instance, a date cancelled or revised by concert.events).
 */
export interface ReservationMemory {
  /** The holds it made, by reservation, each used once: the saga confirms them seconds later. */
  holds: BoundedMemory<string, RememberedHold>;
  /** The dates its prechecks read, by schedule: a sale is thousands of holds on a few dates. */
  schedules: BoundedMemory<number, KnownSchedule>;
}

/** Remembers nothing: every decision reads first. */
export const noMemory = (): ReservationMemory => ({
  holds: new BoundedMemory(0),
  schedules: new BoundedMemory(0),
});
