import { concert as contracts } from '@ticketing/contracts';
import { buildMessage, enqueue } from '@ticketing/messaging';
import { AppError, type Database } from '@ticketing/platform';
import { CatalogRepository, CatalogWriter, type Schedule } from '../data-access/catalog-repository';
import { SEATS_PER_SCHEDULE, isBookable, type ScheduleStatus } from './rules';

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

  constructor(private readonly db: Database) {
    this.reads = new CatalogRepository(db);
  }

  listConcerts() {
    return this.reads.listConcerts();
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
  }): Promise<Schedule | null> {
    return this.db.transaction(async (tx) => {
      const scheduleId = await new CatalogWriter(tx).insertScheduleIfAbsent({
        ...input,
        totalSeats: SEATS_PER_SCHEDULE,
      });
      if (scheduleId === null) return null;
      const schedule = (await new CatalogRepository(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(schedule));
      return schedule;
    });
  }

  /** Opens, closes or cancels a date; the change is announced like a creation. */
  async changeScheduleStatus(scheduleId: number, status: ScheduleStatus): Promise<Schedule> {
    return this.db.transaction(async (tx) => {
      if (!(await new CatalogWriter(tx).setScheduleStatus(scheduleId, status))) {
        throw AppError.notFound(`schedule ${scheduleId} not found`);
      }
      const schedule = (await new CatalogRepository(tx).schedule(scheduleId))!;
      await enqueue(tx, schedulePublishedMessage(schedule));
      return schedule;
    });
  }
}
