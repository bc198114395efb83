import { concert as contracts } from '@ticketing/contracts';
import { buildMessage, enqueue } from '@ticketing/messaging';
import { AppError, type Database } from '@ticketing/platform';
import type { CatalogRepository, CatalogWriter } from './repositories';
import type { CatalogIn } from './repositories';
import type { Concert, Schedule, ScheduleSales } from './catalog-records';
import {
  SEATS_PER_SCHEDULE,
  editRefusal,
  isBookable,
  scheduleWindowProblem,
  type ScheduleStatus,
} from './rules';

export type { Concert, Schedule };

const SOURCE = 'concert';

/** What reservation's replica needs of a schedule: its full state, every time it changes. */
export function schedulePublishedMessage(s: Schedule) {
  return buildMessage(
    contracts.schedulePublished,
    {
      scheduleId: s.scheduleId,
      concertId: s.concertId,
      startsAt: s.startsAt.toISOString(),
      bookingOpensAt: s.bookingOpensAt.toISOString(),
      bookingClosesAt: s.bookingClosesAt.toISOString(),
      price: s.price,
      totalSeats: s.totalSeats,
      status: s.status,
      revision: s.revision,
    },
    { source: SOURCE },
  );
}

export class Catalog {
  private readonly reads: CatalogRepository;

  constructor(
    private readonly db: Database,
    private readonly catalogIn: CatalogIn,
  ) {
    this.reads = catalogIn.reads(db);
  }

  listConcerts() {
    return this.reads.listConcerts();
  }

  /**
   * What the queue follows of a concert's dates (its window, revisions, seats left), for a queue
   * whose own copy missed it (ADR 0024). 404 for a concert that is not in the catalog.
   */
  async salesOf(concertId: number): Promise<ScheduleSales[]> {
    const dates = await this.reads.salesOf(concertId);
    if (dates.length === 0 && !(await this.reads.concertExists(concertId)))
      throw AppError.notFound(`concert ${concertId} not found`);
    return dates;
  }

  /** A concert's dates; with `onlyAvailable`, those that can still be booked now. */
  async schedules(
    concertId: number,
    onlyAvailable: boolean,
    now = new Date(),
  ): Promise<Schedule[]> {
    const schedules = await this.reads.schedulesOf(concertId);
    if (schedules.length === 0 && !(await this.reads.concertExists(concertId))) {
      throw AppError.notFound(`concert ${concertId} not found`);
    }
    return onlyAvailable ? schedules.filter((s) => isBookable(s, now)) : schedules;
  }

  /**
   * A new date for a concert, with its 50 seats, announced on concert.events in the same
   * transaction. Returns null when the concert already has a date at that time.
   */
  async addSchedule(input: {
    concertId: number;
    startsAt: Date;
    bookingOpensAt: Date;
    bookingClosesAt: Date;
    price: number;
    totalSeats?: number;
  }): Promise<Schedule | null> {
    return this.db.transaction(async (tx) => {
      const scheduleId = await this.catalogIn.writer(tx).insertScheduleIfAbsent({
        ...input,
        totalSeats: input.totalSeats ?? SEATS_PER_SCHEDULE,
      });
      if (scheduleId === null) return null;
      const schedule = (await this.catalogIn.reads(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(schedule));
      return schedule;
    });
  }

  /** Opens, closes or cancels a date; the change is announced like a creation. */
  async changeScheduleStatus(scheduleId: number, status: ScheduleStatus): Promise<Schedule> {
    return this.db.transaction(async (tx) => {
      if (!(await this.catalogIn.writer(tx).setScheduleStatus(scheduleId, status))) {
        throw AppError.notFound(`schedule ${scheduleId} not found`);
      }
      const schedule = (await this.catalogIn.reads(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(schedule));
      return schedule;
    });
  }

  /** An operator puts a concert in the catalog (its dates follow). */
  async createConcert(input: Omit<Concert, 'concertId'>): Promise<Concert> {
    const created = await this.db.transaction((tx) =>
      this.catalogIn.writer(tx).insertConcert(input),
    );
    if (!created)
      throw AppError.conflict(
        'CONCERT_EXISTS',
        `"${input.title}" at ${input.venue} is in the catalog already`,
      );
    return created;
  }

  /**
   * An operator adds a date: on sale from `salesOpenAt` (now when absent) until it starts,
   * with `seats` seats, announced on concert.events like every change.
   */
  async publishSchedule(
    concertId: number,
    input: { startsAt: Date; price: number; seats: number; salesOpenAt?: Date },
    now = new Date(),
  ): Promise<Schedule> {
    const salesOpenAt = input.salesOpenAt ?? now;
    refuseBadWindow(
      { startsAt: input.startsAt, salesOpenAt },
      now,
      input.salesOpenAt !== undefined,
    );
    if (!(await this.reads.concertExists(concertId)))
      throw AppError.notFound(`concert ${concertId} not found`);
    const schedule = await this.addSchedule({
      concertId,
      startsAt: input.startsAt,
      bookingOpensAt: salesOpenAt,
      bookingClosesAt: input.startsAt,
      price: input.price,
      totalSeats: input.seats,
    });
    if (!schedule)
      throw AppError.conflict(
        'SCHEDULE_EXISTS',
        `concert ${concertId} already has a date at ${input.startsAt.toISOString()}`,
      );
    return schedule;
  }

  /** An operator changes the price or the sales window, only before sales open. */
  async changeSchedule(
    concertId: number,
    scheduleId: number,
    change: { price?: number; salesOpenAt?: Date },
    now = new Date(),
  ): Promise<Schedule> {
    return this.db.transaction(async (tx) => {
      const writer = this.catalogIn.writer(tx);
      const s = await this.lockedScheduleOf(writer, concertId, scheduleId);
      const refusal = editRefusal(s, now);
      if (refusal === 'CANCELLED')
        throw AppError.conflict('SCHEDULE_CANCELLED', `schedule ${scheduleId} is cancelled`);
      if (refusal === 'SALES_OPEN')
        throw AppError.conflict(
          'SALES_ALREADY_OPEN',
          `schedule ${scheduleId} has been on sale since ${s.bookingOpensAt.toISOString()}: its price and sales window stay`,
        );
      const salesOpenAt = change.salesOpenAt ?? s.bookingOpensAt;
      if (change.salesOpenAt) refuseBadWindow({ startsAt: s.startsAt, salesOpenAt }, now, true);
      await writer.updateSchedule(scheduleId, {
        price: change.price ?? s.price,
        bookingOpensAt: salesOpenAt,
      });
      const changed = (await this.catalogIn.reads(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(changed));
      return changed;
    });
  }

  /** An operator cancels a date nobody has bought a seat of; its holds are released. */
  async cancelSchedule(concertId: number, scheduleId: number): Promise<Schedule> {
    return this.db.transaction(async (tx) => {
      const writer = this.catalogIn.writer(tx);
      const s = await this.lockedScheduleOf(writer, concertId, scheduleId);
      if (s.status === 'CANCELLED') return s;
      const sold = await writer.countSeats(scheduleId, 'RESERVED');
      if (sold > 0)
        throw AppError.conflict(
          'SCHEDULE_HAS_SOLD_SEATS',
          `schedule ${scheduleId} has ${sold} sold seat(s): it cannot be cancelled`,
        );
      await writer.setScheduleStatus(scheduleId, 'CANCELLED');
      const cancelled = (await this.catalogIn.reads(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(cancelled));
      return cancelled;
    });
  }

  private async lockedScheduleOf(writer: CatalogWriter, concertId: number, scheduleId: number) {
    const s = await writer.lockSchedule(scheduleId);
    if (!s || s.concertId !== concertId)
      throw AppError.notFound(`schedule ${scheduleId} of concert ${concertId} not found`);
    return s;
  }
}

function refuseBadWindow(
  window: { startsAt: Date; salesOpenAt: Date },
  now: Date,
  salesOpenAtGiven: boolean,
): void {
  const problem = scheduleWindowProblem(window, now, salesOpenAtGiven);
  if (problem) throw AppError.validation(problem);
}
