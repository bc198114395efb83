import type { InboxRecord } from '@ticketing/messaging';
import type { Queryable, Transaction } from '@ticketing/platform';
import type {
  Concert,
  Schedule,
  ScheduleSales,
  ScheduleStatus,
  Seat,
  SeatStatus,
} from './catalog-records';

/** Reads of the catalog (data-access implements them over Postgres). */
export interface CatalogRepository {
  listConcerts(): Promise<Concert[]>;
  concertExists(concertId: number): Promise<boolean>;
  schedulesOf(concertId: number): Promise<Schedule[]>;
  /** Every date of a concert as the queue needs it: its sales window and what is left. */
  salesOf(concertId: number): Promise<ScheduleSales[]>;
  schedule(scheduleId: number): Promise<Schedule | undefined>;
  concertIdsByTitle(titles: string[]): Promise<{ id: number; title: string }[]>;
  seatsOf(scheduleId: number): Promise<Seat[]>;
}

/** A new date of a concert: its seats are made with it. */
export type NewSchedule = Pick<
  Schedule,
  'concertId' | 'startsAt' | 'bookingOpensAt' | 'bookingClosesAt' | 'price' | 'totalSeats'
>;

/** A seat's new status as a reservation event tells it, with the seat's version. */
export interface SeatChange {
  scheduleId: number;
  seatNo: number;
  status: SeatStatus;
  version: number;
  reservationId: string | null;
}

/** What is left of a date's seats, announced with its next seats revision. */
export interface DueAvailability {
  scheduleId: number;
  concertId: number;
  seatsRevision: number;
  availableSeats: number;
  heldSeats: number;
}

/** Writes of the catalog, inside the caller's transaction. */
export interface CatalogWriter {
  /** One seeder at a time, whichever instance runs it (held until the transaction ends). */
  lockSeeding(): Promise<void>;
  insertConcertIfAbsent(
    c: Omit<Concert, 'concertId'>,
  ): Promise<{ concertId: number; created: boolean }>;
  /** A schedule and its seats; null when the concert already has one at that time. */
  insertScheduleIfAbsent(s: NewSchedule): Promise<number | null>;
  /** The schedule, locked for a change by an operator; undefined when it does not exist. */
  lockSchedule(scheduleId: number): Promise<Schedule | undefined>;
  /** A new concert; null when one of that title at that venue exists. */
  insertConcert(c: Omit<Concert, 'concertId'>): Promise<Concert | null>;
  /** New price and sales window of a schedule, with the next revision. */
  updateSchedule(
    scheduleId: number,
    change: { price: number; bookingOpensAt: Date },
  ): Promise<void>;
  countSeats(scheduleId: number, status: SeatStatus): Promise<number>;
  /**
   * Every date whose seats moved since it was last announced, and forgets them; announcers take
   * turns, so a later revision never carries older counts.
   */
  takeDueAvailability(): Promise<DueAvailability[]>;
  /** Changes a schedule's status and bumps its revision (replicas keep the highest). */
  setScheduleStatus(scheduleId: number, status: ScheduleStatus): Promise<boolean>;
  /** Applies a seat change if newer than what the projection holds; false for an older one. */
  applySeatChange(change: SeatChange): Promise<boolean>;
}

/** The seat map's projection, one statement per event (on the pool, or in a batch's transaction). */
export interface SeatProjection {
  /**
   * Applies a seat change newer than what the projection holds, with the inbox record of the
   * event that carried it, in one statement; false when it was not newer or the event was
   * handled before (then nothing is written, not even the record).
   */
  applySeatChangeRecorded(change: SeatChange, inbox: InboxRecord): Promise<boolean>;
}

/** Changes of seat maps, as the store announces them to this instance. */
export interface SeatMapChanges {
  /** `changed` runs for each changed schedule; `gap` when announcements may have been lost. */
  follow(changed: (scheduleId: number) => void, gap: () => void): void;
}

/**
 * The catalog's repositories over the pool or a transaction: the use cases are handed these
 * factories (wired in start.ts) rather than constructing repositories, so a test can hand them
 * its own (ADR 0008).
 */
export interface CatalogIn {
  reads(on: Queryable): CatalogRepository;
  writer(tx: Transaction): CatalogWriter;
  projection(on: Queryable): SeatProjection;
}
