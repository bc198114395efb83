import type { InboxRecord, OutgoingMessage } from '@ticketing/messaging';
import type { Queryable } from '@ticketing/platform';
import type { ReleaseReason, ReplicaSchedule, Reservation, ReservationStatus } from './reservation';

/** Where a page of "my tickets" ends: the (created_at in µs, id) of its last row. */
export interface ListPosition {
  createdAtUs: string;
  id: string;
}

/** Which unique rule a refused hold broke: one live reservation per seat, one hold per fan. */
export type HoldConflict = 'SEAT_TAKEN' | 'USER_HAS_HOLD';

/** A lock-free look before a hold: the schedule, and whether the seat or the fan is taken. */
export type HoldPrecheck = ReplicaSchedule & {
  price: number;
  now: Date;
  seatTaken: boolean;
  /** Until when the seat's hold lasts; null when it is paid. */
  seatHeldUntil: Date | null;
  userHasHold: boolean;
};

/** A schedule as remembered for holds: its price and a mark of the version read. */
export type KnownSchedule = ReplicaSchedule & { price: number; revision: string };

/** What a hold on a remembered schedule is written under: that version, inside that window. */
export interface KnownScheduleGuard {
  revision: string;
  window: { from: Date; until: Date };
}

/** A move of a reservation along its lifecycle. */
export interface ReservationChange {
  status: ReservationStatus;
  releaseReason?: ReleaseReason | null;
  paymentId?: string | null;
}

/** A schedule as concert.events describe it (the replica keeps the highest revision). */
export interface ScheduleOfEvents {
  scheduleId: number;
  concertId: number;
  startsAt: string;
  bookingOpensAt: string;
  bookingClosesAt: string;
  price: number;
  totalSeats: number;
  status: string;
  revision: number;
}

/** A hold to insert: it lasts `ttlSeconds` from the store's clock. */
export interface NewHold {
  reservationId: string;
  userId: string;
  scheduleId: number;
  seatNo: number;
  price: number;
  ttlSeconds: number;
}

/** Reservations and the replica of the schedules (data-access implements it over Postgres). */
export interface ReservationRepository {
  schedule(scheduleId: number): Promise<(ReplicaSchedule & { price: number }) | undefined>;
  /** Every live hold of a schedule released (a cancelled date); the reservations released. */
  releaseHoldsOf(scheduleId: number): Promise<Reservation[]>;
  /** A schedule of concert.events, kept if newer than the replica's. */
  upsertSchedule(s: ScheduleOfEvents): Promise<void>;
  holdPrecheck(
    scheduleId: number,
    seatNo: number,
    userId: string,
  ): Promise<HoldPrecheck | undefined>;
  /**
   * The schedule as this process's last `holdPrecheck` of it read it, from memory (no I/O), with
   * a mark of that version (opaque) for `holdOnKnownSchedule`; undefined if none is remembered.
   */
  knownSchedule(scheduleId: number): KnownSchedule | undefined;
  /** A user's reservations, newest first, a page at a time. */
  ownedBy(
    userId: string,
    page: { status?: ReservationStatus; limit: number; after?: ListPosition },
  ): Promise<{ items: Reservation[]; next: ListPosition | null }>;
  find(reservationId: string, lock?: boolean): Promise<Reservation | undefined>;
  /** The reservation, locked, with its schedule's status and the store's clock. */
  lockWithClock(
    reservationId: string,
  ): Promise<{ reservation: Reservation; scheduleStatus: string; now: Date } | undefined>;
  /**
   * The reservation as stored, not locked, with its schedule's status, the store's clock and a
   * mark of this version of it (opaque) for `confirmIfUnchanged`.
   */
  current(
    reservationId: string,
  ): Promise<
    { reservation: Reservation; scheduleStatus: string; now: Date; revision: string } | undefined
  >;
  /**
   * A HELD reservation CONFIRMED for the payment, with the seat's new version, the inbox record
   * of the command and `announce` (its `seatVersion` set to the new one), in one statement: only
   * if the reservation is still at `revision`, its hold not over and its date not cancelled, and
   * the command new. The confirmed reservation; undefined otherwise, with nothing written.
   */
  confirmIfUnchanged(
    current: { reservationId: string; revision: string },
    paymentId: string,
    announce: OutgoingMessage,
    inbox: InboxRecord,
  ): Promise<Reservation | undefined>;
  /** A new hold; a taken seat or a second hold is refused (see `conflictOf`). */
  insertHold(h: NewHold): Promise<Reservation>;
  /**
   * A new hold and its announcement in one statement (no transaction). Any hold on the seat or
   * of the fan, live or overdue, makes the unique rules refuse it (see `conflictOf`): nothing is
   * written then. The announcement's `heldUntil` and `seatVersion` are the store's, written in.
   */
  holdAndAnnounce(h: NewHold, announce: OutgoingMessage): Promise<Reservation>;
  /**
   * `holdAndAnnounce`, only while the schedule is still the version remembered and the store's
   * clock inside `window`: undefined otherwise, with nothing written. The unique rules refuse it
   * as they refuse `holdAndAnnounce`.
   */
  holdOnKnownSchedule(
    h: NewHold,
    announce: OutgoingMessage,
    known: KnownScheduleGuard,
  ): Promise<Reservation | undefined>;
  /** Which of the rules of a hold a failed write broke; undefined for any other failure. */
  conflictOf(err: unknown): HoldConflict | undefined;
  /** Holds whose time is over, released: those blocking this seat or fan, or the oldest due. */
  releaseOverdueHolds(
    filter?: { scheduleId: number; seatNo: number; userId: string },
    limit?: number,
  ): Promise<Reservation[]>;
  /** A reservation (locked by the caller) moved to a new status; the seat gets a new version. */
  transition(current: Reservation, change: ReservationChange): Promise<Reservation>;
  now(): Promise<Date>;
}

/**
 * The reservation repository over the pool or a transaction: the use cases are handed this
 * factory (wired in start.ts) rather than constructing repositories, so a test can hand them its
 * own (ADR 0008).
 */
export type ReservationsIn = (on: Queryable) => ReservationRepository;
