import { rowRevision, type Knex, type Queryable } from '@ticketing/platform';
import type { ReplicaSchedule, Reservation } from '../domain/reservation';
import type { HoldPrecheck, KnownSchedule, ScheduleOfEvents } from '../domain/repositories';
import { COLUMNS, type ReservationMemory } from './reservation-rows';

/**
 * The replica of the concert service's dates (concert.events) and what a hold reads of them
 * first: the date, and whether the seat or the fan is taken.
 */
export class ScheduleReplicaRows {
  private readonly db: Knex | Knex.Transaction;

  constructor(
    private readonly executor: Queryable,
    private readonly memory: ReservationMemory,
  ) {
    this.db = executor.knex;
  }

  async schedule(scheduleId: number): Promise<(ReplicaSchedule & { price: number }) | undefined> {
    return this.db('schedules').where({ id: scheduleId }).first({
      scheduleId: 'id',
      concertId: 'concert_id',
      startsAt: 'starts_at',
      bookingOpensAt: 'booking_opens_at',
      bookingClosesAt: 'booking_closes_at',
      status: 'status',
      price: 'price',
    });
  }

  /**
   * A cancelled date's live holds are released (reason CANCELLED), in one statement, returned
   * whole for their events. Confirmed seats stay: the concert service cancels only dates
   * without one.
   */
  async releaseHoldsOf(scheduleId: number): Promise<Reservation[]> {
    const { rows } = await this.db.raw<{ rows: Reservation[] }>(
      `with released as (
         update reservations r set status = 'RELEASED', release_reason = 'CANCELLED', updated_at = now(),
           seat_version = nextval('seat_version_seq')
         where r.schedule_id = :scheduleId and r.status = 'HELD' returning r.*)
       select ${COLUMNS} from released r join schedules s on s.id = r.schedule_id`,
      { scheduleId },
    );
    return rows;
  }

  async upsertSchedule(s: ScheduleOfEvents): Promise<void> {
    await this.db.raw(
      `insert into schedules (id, concert_id, starts_at, booking_opens_at, booking_closes_at, price, total_seats, status, revision)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (id) do update set concert_id = excluded.concert_id, starts_at = excluded.starts_at,
         booking_opens_at = excluded.booking_opens_at, booking_closes_at = excluded.booking_closes_at,
         price = excluded.price, total_seats = excluded.total_seats, status = excluded.status, revision = excluded.revision
       where schedules.revision < excluded.revision`,
      [
        s.scheduleId,
        s.concertId,
        s.startsAt,
        s.bookingOpensAt,
        s.bookingClosesAt,
        s.price,
        s.totalSeats,
        s.status,
        s.revision,
      ],
    );
  }

  /**
   * One read, no locks: the schedule, and whether the seat or the fan already has a live
   * reservation (and until when the seat's hold lasts; null when it is paid). Lets the many
   * losers of a seat race answer at once; the unique indexes still decide every race that
   * passes it.
   */
  async holdPrecheck(
    scheduleId: number,
    seatNo: number,
    userId: string,
  ): Promise<HoldPrecheck | undefined> {
    const [row] = await this.executor.query<HoldPrecheck & { revision: string }>(
      `select s.id as "scheduleId", s.concert_id as "concertId", s.starts_at as "startsAt",
         s.booking_opens_at as "bookingOpensAt", s.booking_closes_at as "bookingClosesAt", s.status, s.price,
         s.total_seats as "totalSeats", now() as now, ${rowRevision('s')} as revision,
         taken.status is not null as "seatTaken",
         case when taken.status = 'HELD' then taken.held_until end as "seatHeldUntil",
         exists(select 1 from reservations r where r.user_id = $3 and r.status = 'HELD' and r.held_until > now()) as "userHasHold"
       from schedules s
       left join lateral (
         select r.status, r.held_until from reservations r where r.schedule_id = s.id and r.seat_no = $2
           and (r.status = 'CONFIRMED' or (r.status = 'HELD' and r.held_until > now()))
         limit 1) taken on true
       where s.id = $1`,
      [scheduleId, seatNo, userId],
    );
    if (!row) return undefined;
    const { revision, now, seatTaken, seatHeldUntil, userHasHold, ...schedule } = row;
    this.memory.schedules.remember(schedule.scheduleId, { ...schedule, revision });
    return { ...schedule, now, seatTaken, seatHeldUntil, userHasHold };
  }

  knownSchedule(scheduleId: number): KnownSchedule | undefined {
    return this.memory.schedules.recall(scheduleId);
  }
}
