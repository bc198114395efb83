import {
  inboxClaim,
  outboxInsert,
  outboxWriter,
  type InboxRecord,
  type OutgoingMessage,
} from '@ticketing/messaging';
import type { Knex, Queryable } from '@ticketing/platform';
import type { ReservationStatus, Reservation } from '../domain/reservation';
import type {
  HoldConflict,
  KnownScheduleGuard,
  ListPosition,
  NewHold,
  ReservationChange,
  ReservationRepository as ReservationStore,
  ScheduleOfEvents,
} from '../domain/repositories';
import { HoldRows } from './hold-rows';
import { COLUMNS, REVISION, noMemory, type ReservationMemory } from './reservation-rows';
import { ScheduleReplicaRows } from './schedule-replica-rows';

/**
 * Reservations and the schedule replica; plain objects in, plain objects out. The dates
 * (schedule-replica-rows.ts) and the holds' writes (hold-rows.ts) are parts of their own; a
 * reservation's reads and moves along its lifecycle are here.
 */
export class ReservationRepository implements ReservationStore {
  private readonly db: Knex | Knex.Transaction;
  private readonly dates: ScheduleReplicaRows;
  private readonly holds: HoldRows;

  constructor(
    private readonly executor: Queryable,
    /** What this process remembers (start.ts shares one): see `ReservationMemory`. */
    private readonly memory: ReservationMemory = noMemory(),
  ) {
    this.db = executor.knex;
    this.dates = new ScheduleReplicaRows(executor, memory);
    this.holds = new HoldRows(executor, memory, (id) => this.find(id));
  }

  schedule(scheduleId: number) {
    return this.dates.schedule(scheduleId);
  }

  releaseHoldsOf(scheduleId: number) {
    return this.dates.releaseHoldsOf(scheduleId);
  }

  upsertSchedule(s: ScheduleOfEvents) {
    return this.dates.upsertSchedule(s);
  }

  holdPrecheck(scheduleId: number, seatNo: number, userId: string) {
    return this.dates.holdPrecheck(scheduleId, seatNo, userId);
  }

  knownSchedule(scheduleId: number) {
    return this.dates.knownSchedule(scheduleId);
  }

  insertHold(h: NewHold) {
    return this.holds.insertHold(h);
  }

  holdAndAnnounce(h: NewHold, announce: OutgoingMessage) {
    return this.holds.holdAndAnnounce(h, announce);
  }

  holdOnKnownSchedule(h: NewHold, announce: OutgoingMessage, known: KnownScheduleGuard) {
    return this.holds.holdOnKnownSchedule(h, announce, known);
  }

  conflictOf(err: unknown): HoldConflict | undefined {
    return this.holds.conflictOf(err);
  }

  releaseOverdueHolds(
    filter?: { scheduleId: number; seatNo: number; userId: string },
    limit?: number,
  ) {
    return this.holds.releaseOverdueHolds(filter, limit);
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
