import { randomUUID } from 'node:crypto';
import { requireActiveCaller, requireOwner, type Caller } from '@ticketing/auth';
import type { QueuePass } from '@ticketing/queue-pass';
import { enqueue } from '@ticketing/messaging';
import { AppError, loadCursorSeal, type CursorSeal, type Database } from '@ticketing/platform';
import type { ListPosition, NewHold, ReservationsIn } from './repositories';
import type { Reservation, ReservationStatus } from './reservation';
import { heldEvent, releasedEvent } from './events';
import { holdRefusal, holdWindow, isHoldOver } from './rules';
import { moveReservation } from './transitions';
import { OneAttemptPerSeat } from './one-attempt-per-seat';
import type { TakenSeats } from './taken-seats';

const seatUnavailable = (scheduleId: number, seatNo: number) =>
  AppError.conflict(
    'SEAT_UNAVAILABLE',
    `seat ${seatNo} of schedule ${scheduleId} is held or reserved`,
  );
const otherConcert = (tokenConcertId: number, scheduleId: number, concertId: number) =>
  AppError.forbidden(
    `the queue token is for concert ${tokenConcertId}, schedule ${scheduleId} is of concert ${concertId}`,
  );
const holdLimitReached = () =>
  AppError.conflict(
    'HOLD_LIMIT_REACHED',
    'you already hold a seat; pay for it or release it first',
  );

/** A new hold's announcement; its end and seat version are the insert's, which the store writes in. */
function heldAnnouncement(hold: NewHold, concertId: number, now: Date) {
  return heldEvent({
    ...hold,
    concertId,
    status: 'HELD',
    releaseReason: null,
    heldUntil: new Date(now.getTime() + hold.ttlSeconds * 1000),
    paymentId: null,
    seatVersion: 1, // any valid version: the one the insert takes replaces it
  });
}

/** The seat-hold use cases. */
export class SeatHolds {
  private cursors?: Promise<CursorSeal>;

  private readonly attempts = new OneAttemptPerSeat();

  constructor(
    private readonly db: Database,
    private readonly reservationsIn: ReservationsIn,
    private readonly ttlSeconds: number,
    private readonly takenSeats: TakenSeats,
  ) {}

  /**
   * A fan holds a seat for HOLD_TTL_SECONDS. Seats this instance has just seen taken, then a
   * lock-free read, turn away the obvious losers, and fans asking for the same seat on this
   * instance take turns (ADR 0006); a date this instance read moments ago is not read again;
   * the database's unique rules decide, whatever races across instances, and a transaction
   * releases the stale holds on the seat or of the fan that block one.
   */
  async hold(
    fan: { userId: string; concertId: number },
    scheduleId: number,
    seatNo: number,
  ): Promise<Reservation> {
    return this.attempts.run(
      { scheduleId, seatNo },
      () => this.refuseKnownTaken(fan, scheduleId, seatNo),
      () => this.attemptHold(fan, scheduleId, seatNo),
    );
  }

  private refuseKnownTaken(fan: { concertId: number }, scheduleId: number, seatNo: number): void {
    const known = this.takenSeats.lookup(scheduleId, seatNo);
    if (!known) return;
    if (known.concertId !== fan.concertId)
      throw otherConcert(fan.concertId, scheduleId, known.concertId);
    throw seatUnavailable(scheduleId, seatNo);
  }

  private async attemptHold(
    fan: { userId: string; concertId: number },
    scheduleId: number,
    seatNo: number,
  ): Promise<Reservation> {
    const held = await this.holdOnKnownSchedule(fan, scheduleId, seatNo);
    if (held) return held;
    const check = await this.reservationsIn(this.db).holdPrecheck(scheduleId, seatNo, fan.userId);
    if (!check) throw AppError.notFound(`schedule ${scheduleId} not found`);
    if (check.concertId !== fan.concertId)
      throw otherConcert(fan.concertId, scheduleId, check.concertId);
    if (seatNo > check.totalSeats)
      throw AppError.notFound(`schedule ${scheduleId} has seats 1..${check.totalSeats}`);
    const refusal = holdRefusal(check, check.now);
    if (refusal === 'NOT_YET_OPEN')
      throw AppError.conflict(
        'SALES_NOT_OPEN',
        `schedule ${scheduleId} goes on sale at ${check.bookingOpensAt.toISOString()}`,
        { salesOpenAt: check.bookingOpensAt.toISOString() },
      );
    if (refusal) {
      throw AppError.conflict(
        'SCHEDULE_NOT_BOOKABLE',
        `schedule ${scheduleId} is not open for booking (${refusal})`,
        { reason: refusal },
      );
    }
    const seat = { scheduleId, seatNo, concertId: check.concertId };
    if (check.seatTaken) {
      this.takenSeats.remember(seat, check.seatHeldUntil, check.now);
      throw seatUnavailable(scheduleId, seatNo);
    }
    if (check.userHasHold) throw holdLimitReached();
    const hold = this.newHold(fan, scheduleId, seatNo, check.price);
    try {
      const held = await this.holdFreeSeat(hold, check);
      this.takenSeats.remember(seat, held.heldUntil, check.now);
      return held;
    } catch (err) {
      const conflict = this.reservationsIn(this.db).conflictOf(err);
      if (conflict === 'SEAT_TAKEN') {
        this.takenSeats.remember(seat, null, check.now);
        throw seatUnavailable(scheduleId, seatNo);
      }
      if (conflict === 'USER_HAS_HOLD') throw holdLimitReached();
      throw err;
    }
  }

  private newHold(
    fan: { userId: string },
    scheduleId: number,
    seatNo: number,
    price: number,
  ): NewHold {
    return {
      reservationId: randomUUID(),
      userId: fan.userId,
      scheduleId,
      seatNo,
      price,
      ttlSeconds: this.ttlSeconds,
    };
  }

  /**
   * Most holds of a sale are on a date this process read moments ago: decided on the date as
   * remembered, the hold is one statement, written only while the date is still that version and
   * the store's clock inside the window the decision holds for (`holdWindow`). Anything else (no
   * date remembered, a refusal to explain, a date that moved, a unique rule refusing the hold) is
   * left to the read that follows, which answers as before.
   */
  private async holdOnKnownSchedule(
    fan: { userId: string; concertId: number },
    scheduleId: number,
    seatNo: number,
  ): Promise<Reservation | undefined> {
    const repo = this.reservationsIn(this.db);
    const known = repo.knownSchedule(scheduleId);
    if (!known || known.concertId !== fan.concertId || seatNo > known.totalSeats) return undefined;
    const window = holdWindow(known);
    // This process's clock only spares a statement bound to fail; the store's decides.
    const now = new Date();
    if (!window || holdRefusal(known, now) !== null) return undefined;
    const hold = this.newHold(fan, scheduleId, seatNo, known.price);
    const announce = heldAnnouncement(hold, known.concertId, now);
    try {
      const held = await repo.holdOnKnownSchedule(hold, announce, {
        revision: known.revision,
        window,
      });
      // The store's clock at the insert is the hold's end less its time: skew between this
      // process's clock and the store's does not change how long the seat is remembered.
      if (held) {
        const storeNow = new Date(held.heldUntil.getTime() - this.ttlSeconds * 1000);
        this.takenSeats.remember({ ...hold, concertId: known.concertId }, held.heldUntil, storeNow);
      }
      return held;
    } catch (err) {
      if (repo.conflictOf(err)) return undefined;
      throw err;
    }
  }

  /**
   * Most holds find neither the seat nor the fan held: the hold and its announcement are then
   * one statement. A unique rule that refuses it may stand for a hold whose time is over, which
   * blocks nothing: the transaction then releases those holds (on the seat, of the fan) and
   * tries once more, and a refusal there is the answer.
   */
  private async holdFreeSeat(
    hold: NewHold,
    check: { concertId: number; now: Date },
  ): Promise<Reservation> {
    const announce = heldAnnouncement(hold, check.concertId, check.now);
    try {
      return await this.reservationsIn(this.db).holdAndAnnounce(hold, announce);
    } catch (err) {
      if (!this.reservationsIn(this.db).conflictOf(err)) throw err;
    }
    const { held, released } = await this.db.transaction(async (tx) => {
      const repo = this.reservationsIn(tx);
      const { scheduleId, seatNo, userId } = hold;
      const released = await repo.releaseOverdueHolds({ scheduleId, seatNo, userId });
      const held = await repo.insertHold(hold);
      await enqueue(tx, [...released.map(releasedEvent), heldEvent(held)]);
      return { held, released };
    });
    this.forgetSeats(released);
    return held;
  }

  /**
   * The caller's own reservation: with the owner's identity, or the owner's ACTIVE queue pass for
   * the reservation's concert (403 otherwise).
   */
  async get(caller: Caller, reservationId: string): Promise<Reservation> {
    requireActiveCaller(caller);
    const r = await this.reservationsIn(this.db).find(reservationId);
    if (!r) throw AppError.notFound(`reservation ${reservationId} not found`);
    requireOwner(caller, { ownerId: r.userId, concertId: r.concertId, what: 'reservation' });
    return r;
  }

  /** A fan's own reservations, newest first, a page at a time ("my tickets"). */
  async mine(
    userId: string,
    filter: { status?: ReservationStatus; limit: number; cursor?: string },
  ): Promise<{ items: Reservation[]; nextCursor: string | null }> {
    const seal = await (this.cursors ??= loadCursorSeal(this.db));
    const after = filter.cursor === undefined ? undefined : positionOf(seal.open(filter.cursor));
    const page = await this.reservationsIn(this.db).ownedBy(userId, { ...filter, after });
    const next = page.next && seal.seal(`r:${page.next.createdAtUs}:${page.next.id}`);
    return { items: page.items, nextCursor: next };
  }

  /** The fan gives a held seat back before its time is over. Releasing twice is fine. */
  async release(fan: QueuePass, reservationId: string): Promise<void> {
    requireActiveCaller(fan);
    const released = await this.db.transaction(async (tx) => {
      const repo = this.reservationsIn(tx);
      const r = await repo.find(reservationId, true);
      if (!r) throw AppError.notFound(`reservation ${reservationId} not found`);
      requireOwner(fan, { ownerId: r.userId, concertId: r.concertId, what: 'reservation' });
      if (r.status === 'RELEASED') return;
      if (r.status === 'CONFIRMED')
        throw AppError.conflict('RESERVATION_NOT_HELD', 'a paid reservation cannot be released');
      const reason = isHoldOver(r.heldUntil, await repo.now()) ? 'EXPIRED' : 'CANCELLED';
      const released = await moveReservation(repo, r, {
        status: 'RELEASED',
        releaseReason: reason,
      });
      await enqueue(tx, releasedEvent(released));
      return released;
    });
    if (released) this.forgetSeats([released]);
  }

  /** One sweep: releases every due hold, in batches (safe with every instance sweeping). */
  async releaseDueHolds(batch = 200): Promise<number> {
    let total = 0;
    for (;;) {
      const released = await this.db.transaction(async (tx) => {
        const rows = await this.reservationsIn(tx).releaseOverdueHolds(undefined, batch);
        await enqueue(tx, rows.map(releasedEvent));
        return rows;
      });
      this.forgetSeats(released);
      total += released.length;
      if (released.length < batch) return total;
    }
  }

  /** Seats this instance released are offered again at once (by this instance). */
  private forgetSeats(released: Reservation[]): void {
    for (const r of released) this.takenSeats.forget(r.scheduleId, r.seatNo);
  }
}

/** The position a sealed cursor names (a sealed one is always this shape). */
function positionOf(position: string): ListPosition {
  const match =
    /^r:(\d{1,18}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(position);
  if (!match) throw AppError.validation('query.cursor: not a cursor this service issued');
  return { createdAtUs: match[1]!, id: match[2]! };
}
