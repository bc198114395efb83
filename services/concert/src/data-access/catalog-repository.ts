import { inboxClaim, type InboxRecord } from '@ticketing/messaging';
import type { Queryable, Knex, Transaction } from '@ticketing/platform';
import type { PgNotifications } from '@ticketing/platform/wiring';
import type {
  Concert,
  Schedule,
  ScheduleSales,
  ScheduleStatus,
  Seat,
  SeatStatus,
} from '../domain/catalog-records';
import type {
  CatalogRepository as CatalogReads,
  CatalogWriter as CatalogWrites,
  DueAvailability,
  NewSchedule,
  SeatChange,
  SeatMapChanges as SeatMapChangesPort,
  SeatProjection,
} from '../domain/repositories';

// Announcers of different instances take turns with this transaction lock (an arbitrary
// constant of this project's, like the migrations' own).
const AVAILABILITY_LOCK = 727_002;

const SCHEDULE_COLUMNS = `s.id as "scheduleId", s.concert_id as "concertId", s.starts_at as "startsAt",
  s.booking_opens_at as "bookingOpensAt", s.booking_closes_at as "bookingClosesAt", s.price,
  s.total_seats as "totalSeats", s.status, s.revision,
  (select count(*)::int from seats a where a.schedule_id = s.id and a.status = 'AVAILABLE') as "availableSeats"`;

/** Reads of the catalog: each one indexed query. */
export class CatalogRepository implements CatalogReads {
  private readonly db: Knex | Knex.Transaction;

  constructor(executor: Queryable) {
    this.db = executor.knex;
  }

  listConcerts(): Promise<Concert[]> {
    return this.db('concerts')
      .select({ concertId: 'id', title: 'title', artist: 'artist', venue: 'venue' })
      .orderBy('id');
  }

  async concertExists(concertId: number): Promise<boolean> {
    return Boolean(await this.db('concerts').where({ id: concertId }).first('id'));
  }

  async schedulesOf(concertId: number): Promise<Schedule[]> {
    const { rows } = await this.db.raw<{ rows: Schedule[] }>(
      `select ${SCHEDULE_COLUMNS} from schedules s where s.concert_id = ? order by s.starts_at, s.id`,
      [concertId],
    );
    return rows;
  }

  /** Every date of a concert with its revisions and what is left of its seats (ADR 0024). */
  async salesOf(concertId: number): Promise<ScheduleSales[]> {
    const { rows } = await this.db.raw<{ rows: ScheduleSales[] }>(
      `select s.id as "scheduleId", s.status, s.booking_opens_at as "bookingOpensAt",
         s.booking_closes_at as "bookingClosesAt", s.total_seats as "totalSeats", s.revision,
         s.seats_revision as "seatsRevision",
         (select count(*)::int from seats a where a.schedule_id = s.id and a.status = 'AVAILABLE') as "availableSeats",
         (select count(*)::int from seats a where a.schedule_id = s.id and a.status = 'HELD') as "heldSeats"
       from schedules s where s.concert_id = ? order by s.id`,
      [concertId],
    );
    return rows;
  }

  async schedule(scheduleId: number): Promise<Schedule | undefined> {
    const { rows } = await this.db.raw<{ rows: Schedule[] }>(
      `select ${SCHEDULE_COLUMNS} from schedules s where s.id = ?`,
      [scheduleId],
    );
    return rows[0];
  }

  /** The ids of the concerts with these titles. */
  concertIdsByTitle(titles: string[]): Promise<{ id: number; title: string }[]> {
    return this.db('concerts').whereIn('title', titles).select('id', 'title');
  }

  seatsOf(scheduleId: number): Promise<Seat[]> {
    return this.db('seats')
      .where({ schedule_id: scheduleId })
      .select({ seatNo: 'seat_no', status: 'status' })
      .orderBy('seat_no');
  }
}

/** Writes of the catalog, inside the caller's transaction. */
export class CatalogWriter implements CatalogWrites {
  private readonly trx: Knex.Transaction;

  constructor(private readonly tx: Transaction) {
    this.trx = tx.knex;
  }

  /** One seeder at a time, whichever instance runs it (held until the transaction ends). */
  async lockSeeding(): Promise<void> {
    await this.trx.raw(`select pg_advisory_xact_lock(hashtext('concert-seed'))`);
  }

  async insertConcertIfAbsent(
    c: Omit<Concert, 'concertId'>,
  ): Promise<{ concertId: number; created: boolean }> {
    const inserted = await this.trx('concerts')
      .insert(c)
      .onConflict(['title', 'venue'])
      .ignore()
      .returning('id');
    if (inserted.length) return { concertId: (inserted[0] as { id: number }).id, created: true };
    const row = (await this.trx('concerts')
      .where({ title: c.title, venue: c.venue })
      .first('id')) as { id: number };
    return { concertId: row.id, created: false };
  }

  /** A schedule and its 50 seats; null when the concert already has one at that time. */
  async insertScheduleIfAbsent(s: NewSchedule): Promise<number | null> {
    const inserted = await this.trx('schedules')
      .insert({
        concert_id: s.concertId,
        starts_at: s.startsAt,
        booking_opens_at: s.bookingOpensAt,
        booking_closes_at: s.bookingClosesAt,
        price: s.price,
        total_seats: s.totalSeats,
      })
      .onConflict(['concert_id', 'starts_at'])
      .ignore()
      .returning('id');
    if (!inserted.length) return null;
    const scheduleId = (inserted[0] as { id: number }).id;
    await this.trx('seats').insert(
      Array.from({ length: s.totalSeats }, (_, i) => ({ schedule_id: scheduleId, seat_no: i + 1 })),
    );
    return scheduleId;
  }

  /** The schedule, locked for a change by an operator; undefined when it does not exist. */
  async lockSchedule(scheduleId: number): Promise<Schedule | undefined> {
    const { rows } = await this.trx.raw<{ rows: Schedule[] }>(
      `select ${SCHEDULE_COLUMNS} from schedules s where s.id = ? for update of s`,
      [scheduleId],
    );
    return rows[0];
  }

  /** A new concert; null when one of that title at that venue exists. */
  async insertConcert(c: Omit<Concert, 'concertId'>): Promise<Concert | null> {
    const inserted = (await this.trx('concerts')
      .insert(c)
      .onConflict(['title', 'venue'])
      .ignore()
      .returning(['id', 'title', 'artist', 'venue'])) as (Omit<Concert, 'concertId'> & {
      id: number;
    })[];
    const row = inserted[0];
    return row
      ? { concertId: row.id, title: row.title, artist: row.artist, venue: row.venue }
      : null;
  }

  /** New price and sales window of a schedule, with the next revision. */
  async updateSchedule(
    scheduleId: number,
    change: { price: number; bookingOpensAt: Date },
  ): Promise<void> {
    await this.trx('schedules')
      .where({ id: scheduleId })
      .update({
        price: change.price,
        booking_opens_at: change.bookingOpensAt,
        revision: this.trx.raw('revision + 1'),
      });
  }

  /** How many of a schedule's seats are in `status`. */
  async countSeats(scheduleId: number, status: SeatStatus): Promise<number> {
    const [{ n }] = (await this.trx('seats')
      .where({ schedule_id: scheduleId, status })
      .count({ n: '*' })) as { n: string }[];
    return Number(n);
  }

  /**
   * Every date whose seats moved since it was last announced, each with its next seats revision
   * and what is left, and forgets them (one statement). Announcers take turns (a transaction
   * lock), so a later revision never carries older counts.
   */
  async takeDueAvailability(): Promise<DueAvailability[]> {
    await this.trx.raw('select pg_advisory_xact_lock(?)', [AVAILABILITY_LOCK]);
    const { rows } = await this.trx.raw<{ rows: DueAvailability[] }>(
      `with due as (delete from availability_due returning schedule_id),
       bumped as (
         update schedules s set seats_revision = seats_revision + 1
         where s.id in (select schedule_id from due)
         returning s.id, s.concert_id, s.seats_revision)
       select b.id as "scheduleId", b.concert_id as "concertId", b.seats_revision as "seatsRevision",
         (select count(*)::int from seats a where a.schedule_id = b.id and a.status = 'AVAILABLE') as "availableSeats",
         (select count(*)::int from seats a where a.schedule_id = b.id and a.status = 'HELD') as "heldSeats"
       from bumped b`,
    );
    return rows;
  }

  /** Changes a schedule's status and bumps its revision (replicas keep the highest). */
  async setScheduleStatus(scheduleId: number, status: ScheduleStatus): Promise<boolean> {
    const n = await this.trx('schedules')
      .where({ id: scheduleId })
      .update({ status, revision: this.trx.raw('revision + 1') });
    return n === 1;
  }

  /**
   * Applies a seat change if it is newer than what the projection holds. Returns false for an
   * older (reordered) event, which changes nothing.
   */
  applySeatChange(change: SeatChange): Promise<boolean> {
    return moveSeat(this.tx, change);
  }
}

/** The seat map's projection in one statement per event (autocommit, or in a batch's transaction). */
export class SeatProjectionRepository implements SeatProjection {
  constructor(private readonly db: Queryable) {}

  applySeatChangeRecorded(change: SeatChange, inbox: InboxRecord): Promise<boolean> {
    return moveSeat(this.db, change, inbox);
  }
}

/**
 * One statement: the seat, if the change is newer than what it holds, and its date marked due
 * for an availability announcement; with `inbox`, only if that message is new, and its record
 * with the move. Whether the seat moved.
 */
async function moveSeat(
  executor: Queryable,
  change: SeatChange,
  inbox?: InboxRecord,
): Promise<boolean> {
  const claim = inbox && inboxClaim(inbox, 6);
  const [row] = await executor.query<{ moved: number }>(
    `with moved as (
       update seats set status = $3, version = $4, reservation_id = $5
       where schedule_id = $1 and seat_no = $2 and version < $4
         ${claim ? `and ${claim.unclaimed}` : ''}
       returning schedule_id),
     due as (insert into availability_due (schedule_id) select schedule_id from moved)
     ${claim ? `, inbox as (${claim.insert('moved')})` : ''}
     select count(*)::int as moved from moved`,
    [
      change.scheduleId,
      change.seatNo,
      change.status,
      change.version,
      change.reservationId,
      ...(claim?.params ?? []),
    ],
  );
  return row!.moved === 1;
}

/** Notified with a schedule id whenever its seat map (or the schedule) changed (migration 0002). */
export const SEAT_MAP_CHANNEL = 'seat_map_changed';

/** Changes of seat maps, as the database announces them to this instance. */
export class SeatMapChanges implements SeatMapChangesPort {
  constructor(private readonly notifications: PgNotifications) {}

  /** `changed` runs for each changed schedule; `gap` when announcements may have been lost. */
  follow(changed: (scheduleId: number) => void, gap: () => void): void {
    this.notifications.on(SEAT_MAP_CHANNEL, (payload) => changed(Number(payload)));
    this.notifications.onGap(gap);
  }
}
