import {
  inboxClaim,
  outboxInsert,
  outboxWriter,
  type InboxRecord,
  type OutgoingMessage,
} from '@ticketing/messaging';
import {
  BoundedMemory,
  rowRevision,
  whenCommitted,
  type Queryable,
  type Knex,
} from '@ticketing/platform';
import type { ReplicaSchedule, Reservation, ReservationStatus } from '../domain/reservation';
import type {
  HoldConflict,
  HoldPrecheck,
  KnownSchedule,
  KnownScheduleGuard,
  ListPosition,
  NewHold,
  ReservationChange,
  ReservationRepository as ReservationStore,
  ScheduleOfEvents,
} from '../domain/repositories';

const COLUMNS = `r.id as "reservationId", r.user_id as "userId", r.schedule_id as "scheduleId",
  s.concert_id as "concertId", r.seat_no as "seatNo", r.price, r.status, r.release_reason as "releaseReason",
  r.held_until as "heldUntil", r.payment_id as "paymentId", r.seat_version as "seatVersion"`;

const REVISION = rowRevision('r');

/** Which unique rule a failed insert broke (Postgres names the constraint). */
function holdConflictOf(err: unknown): HoldConflict | undefined {
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

/** Reservations and the schedule replica; plain objects in, plain objects out. */
export class ReservationRepository implements ReservationStore {
  private readonly db: Knex | Knex.Transaction;

  constructor(
    private readonly executor: Queryable,
    /** What this process remembers (start.ts shares one): see `ReservationMemory`. */
    private readonly memory: ReservationMemory = noMemory(),
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

  /** Keeps the replica at the newest revision the concert service published. */
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

  /**
   * A user's reservations, newest first, after the (created_at, id) of the last row of the
   * previous page, the time in microseconds so that no row is skipped or repeated.
   */
  async ownedBy(
    userId: string,
    page: { status?: ReservationStatus; limit: number; after?: ListPosition },
  ): Promise<{ items: Reservation[]; next: ListPosition | null }> {
    const after = page.after;
    const { rows } = await this.db.raw<{ rows: (Reservation & { createdAtUs: string })[] }>(
      `select ${COLUMNS}, (extract(epoch from r.created_at) * 1000000)::bigint::text as "createdAtUs"
       from reservations r join schedules s on s.id = r.schedule_id
       where r.user_id = :userId
         ${page.status ? 'and r.status = :status' : ''}
         ${after ? `and (r.created_at, r.id) < (timestamptz 'epoch' + :afterUs * interval '1 microsecond', :afterId)` : ''}
       order by r.created_at desc, r.id desc
       limit :limit`,
      {
        userId,
        limit: page.limit + 1,
        ...(page.status && { status: page.status }),
        ...(after && { afterUs: after.createdAtUs, afterId: after.id }),
      },
    );
    const items = rows.slice(0, page.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(({ createdAtUs: _, ...r }) => r),
      next:
        rows.length > page.limit && last
          ? { createdAtUs: last.createdAtUs, id: last.reservationId }
          : null,
    };
  }

  async find(reservationId: string, lock = false): Promise<Reservation | undefined> {
    const { rows } = await this.db.raw<{ rows: Reservation[] }>(
      `select ${COLUMNS} from reservations r join schedules s on s.id = r.schedule_id where r.id = ? ${lock ? 'for update of r' : ''}`,
      [reservationId],
    );
    return rows[0];
  }

  /** The reservation, locked, with its date's status and the database's clock (one round trip). */
  lockWithClock(
    reservationId: string,
  ): Promise<{ reservation: Reservation; scheduleStatus: string; now: Date } | undefined> {
    return this.withClock(reservationId, 'for update of r');
  }

  current(
    reservationId: string,
  ): Promise<
    { reservation: Reservation; scheduleStatus: string; now: Date; revision: string } | undefined
  > {
    // A hold this process made is decided on as it wrote it, with this process's clock: the
    // move checks the revision, the hold's end and the date's status itself, and a remembered
    // hold that moved since falls back to the read (the caller's transaction path).
    const known = this.memory.holds.take(reservationId);
    if (known) return Promise.resolve({ ...known, now: new Date() });
    return this.withClock(reservationId, '');
  }

  /** The reservation with its schedule's status, the store's clock and its revision. */
  private async withClock(reservationId: string, lock: 'for update of r' | '') {
    const [row] = await this.executor.query<
      Reservation & { dbNow: Date; scheduleStatus: string; revision: string }
    >(
      `select ${COLUMNS}, s.status as "scheduleStatus", now() as "dbNow", ${REVISION} as revision
       from reservations r join schedules s on s.id = r.schedule_id
       where r.id = $1 ${lock}`,
      [reservationId],
    );
    if (!row) return undefined;
    const { dbNow, scheduleStatus, revision, ...reservation } = row;
    return { reservation, scheduleStatus, now: dbNow, revision };
  }

  /**
   * One statement: the row's revision (its version's writer and place, `xmin` and `ctid`, which
   * any update changes) stands for the lock a transaction would have held between reading it
   * and moving it.
   */
  async confirmIfUnchanged(
    current: { reservationId: string; revision: string },
    paymentId: string,
    announce: OutgoingMessage,
    inbox: InboxRecord,
  ): Promise<Reservation | undefined> {
    const params: unknown[] = [current.reservationId, paymentId, current.revision];
    const claim = inboxClaim(inbox, params.length + 1);
    params.push(...claim.params);
    const writer = outboxWriter(this.executor);
    const outbox = outboxInsert([announce], params.length + 1, writer.notify, {
      from: 'moved',
      fields: { seatVersion: 'seat_version' },
    });
    const [row] = await this.executor.query<Reservation & { seat_version: number }>(
      `with moved as (
         update reservations r set status = 'CONFIRMED', release_reason = null, payment_id = $2,
           seat_version = nextval('seat_version_seq'), updated_at = now()
         from schedules s
         where r.id = $1 and s.id = r.schedule_id and ${REVISION} = $3::text
           and r.status = 'HELD' and r.held_until > now() and s.status <> 'CANCELLED'
           and ${claim.unclaimed}
         returning ${COLUMNS}, r.seat_version),
       inbox as (${claim.insert('moved')}),
       outbox as (${outbox.sql})
       select * from moved`,
      [...params, ...outbox.params],
    );
    if (!row) return undefined;
    writer.written();
    const { seat_version: _forTheOutbox, ...reservation } = row;
    return reservation;
  }

  /** Inserts a new hold; the partial unique indexes reject a taken seat or a second hold. */
  async insertHold(h: NewHold): Promise<Reservation> {
    await this.db.raw(
      `insert into reservations (id, user_id, schedule_id, seat_no, price, status, held_until, seat_version)
       values (?, ?, ?, ?, ?, 'HELD', now() + make_interval(secs => ?), nextval('seat_version_seq'))`,
      [h.reservationId, h.userId, h.scheduleId, h.seatNo, h.price, h.ttlSeconds],
    );
    return (await this.find(h.reservationId))!;
  }

  async holdAndAnnounce(h: NewHold, announce: OutgoingMessage): Promise<Reservation> {
    return (await this.insertHoldAndAnnounce(h, announce))!;
  }

  async holdOnKnownSchedule(
    h: NewHold,
    announce: OutgoingMessage,
    known: KnownScheduleGuard,
  ): Promise<Reservation | undefined> {
    const held = await this.insertHoldAndAnnounce(h, announce, known);
    // The schedule moved (or the clock left the window): read it again next time.
    if (!held)
      this.memory.schedules.forgetIf(h.scheduleId, (date) => date.revision === known.revision);
    return held;
  }

  /**
   * The hold and its announcement, one statement; with `known`, only while the schedule is that
   * version and the store's clock inside the window a decision on it holds for.
   */
  private async insertHoldAndAnnounce(
    h: NewHold,
    announce: OutgoingMessage,
    known?: KnownScheduleGuard,
  ): Promise<Reservation | undefined> {
    const params: unknown[] = [
      h.reservationId,
      h.userId,
      h.scheduleId,
      h.seatNo,
      h.price,
      h.ttlSeconds,
    ];
    const guard = known
      ? `from schedules s where s.id = $3 and ${rowRevision('s')} = $7::text
           and now() >= $8::timestamptz and now() < $9::timestamptz`
      : '';
    if (known) params.push(known.revision, known.window.from, known.window.until);
    const writer = outboxWriter(this.executor);
    // The end as the event's JSON says it (toISOString's form: milliseconds, Z); both cut the
    // microseconds, so the event and the row the fan gets back agree.
    const outbox = outboxInsert([announce], params.length + 1, writer.notify, {
      from: 'held',
      fields: { heldUntil: 'held_until_iso', seatVersion: 'seat_version' },
    });
    const [row] = await this.executor.query<
      Reservation & { held_until_iso: string; revision: string; scheduleStatus: string }
    >(
      `with held as (
         insert into reservations (id, user_id, schedule_id, seat_no, price, status, held_until,
           seat_version)
         select $1::uuid, $2::text, $3::int, $4::smallint, $5::int, 'HELD',
           now() + make_interval(secs => $6::float8), nextval('seat_version_seq')
         ${guard}
         returning *, ${rowRevision()} as revision,
           to_char(held_until at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as held_until_iso),
       outbox as (${outbox.sql})
       select ${COLUMNS}, r.held_until_iso, r.revision, s.status as "scheduleStatus"
       from held r join schedules s on s.id = r.schedule_id`,
      [...params, ...outbox.params],
    );
    if (!row) return undefined;
    writer.written();
    const { held_until_iso: _forTheOutbox, revision, scheduleStatus, ...reservation } = row;
    whenCommitted(this.executor, () =>
      this.memory.holds.remember(reservation.reservationId, {
        reservation,
        scheduleStatus,
        revision,
      }),
    );
    return reservation;
  }

  conflictOf(err: unknown): HoldConflict | undefined {
    return holdConflictOf(err);
  }

  /**
   * Releases holds whose time is over: those blocking this seat or this user (so a stale hold
   * never blocks a new one, even before the sweeper ran), or, with no filter, the oldest due ones
   * (the sweeper; SKIP LOCKED lets several instances sweep without releasing anything twice).
   */
  async releaseOverdueHolds(
    filter?: { scheduleId: number; seatNo: number; userId: string },
    limit = 200,
  ): Promise<Reservation[]> {
    const where = filter
      ? `status = 'HELD' and held_until <= now() and ((schedule_id = :scheduleId and seat_no = :seatNo) or user_id = :userId)`
      : `status = 'HELD' and held_until <= now()`;
    // One statement: lock the due rows, release them, and return them whole (with the
    // schedule's concert), however many there are.
    const { rows } = await this.db.raw<{ rows: Reservation[] }>(
      `with due as (select id from reservations where ${where} order by held_until limit :limit for update skip locked),
       released as (
         update reservations r set status = 'RELEASED', release_reason = 'EXPIRED', updated_at = now(),
           seat_version = nextval('seat_version_seq')
         from due where r.id = due.id and r.status = 'HELD' returning r.*)
       select ${COLUMNS} from released r join schedules s on s.id = r.schedule_id`,
      { ...(filter ?? {}), limit },
    );
    return rows;
  }

  /** Moves a reservation (locked by the caller) to a new status; the seat gets a new version. */
  async transition(current: Reservation, change: ReservationChange): Promise<Reservation> {
    const [row] = await this.executor.query<Reservation>(
      `update reservations r set status = $2, release_reason = $3,
         payment_id = $4, seat_version = nextval('seat_version_seq'), updated_at = now()
       from schedules s where r.id = $1 and s.id = r.schedule_id
       returning ${COLUMNS}`,
      [
        current.reservationId,
        change.status,
        change.releaseReason ?? null,
        change.paymentId ?? null,
      ],
    );
    return row!;
  }

  async now(): Promise<Date> {
    const { rows } = await this.db.raw<{ rows: { now: Date }[] }>('select now() as now');
    return rows[0]!.now;
  }
}
