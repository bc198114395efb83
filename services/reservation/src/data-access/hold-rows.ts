import { outboxInsert, outboxWriter, type OutgoingMessage } from '@ticketing/messaging';
import { rowRevision, whenCommitted, type Knex, type Queryable } from '@ticketing/platform';
import type { Reservation } from '../domain/reservation';
import type { HoldConflict, KnownScheduleGuard, NewHold } from '../domain/repositories';
import { COLUMNS, holdConflictOf, type ReservationMemory } from './reservation-rows';

/** A hold's writes: the hold made (and announced), and holds whose time is over released. */
export class HoldRows {
  private readonly db: Knex | Knex.Transaction;

  constructor(
    private readonly executor: Queryable,
    private readonly memory: ReservationMemory,
    /** The reservation as stored (the repository's read). */
    private readonly find: (reservationId: string) => Promise<Reservation | undefined>,
  ) {
    this.db = executor.knex;
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
}
