import { BoundedMemory } from '@ticketing/platform';

/** What the instance knows about a taken seat: its schedule's concert, and until when it is taken. */
interface TakenSeat {
  concertId: number;
  /** Local clock (ms): the entry is forgotten then. */
  until: number;
}

/**
 * The seats this instance has recently seen taken, so the many losers of a seat race are turned
 * away without a database round trip (ADR 0006). It only ever answers "taken", never "free": every
 * hold it lets through is still decided by the database's unique indexes, whatever the cache says.
 *
 * An entry lives until the hold it saw is over or `maxAgeMs` has passed, whichever comes first.
 * So a seat given back early on another instance (released by its holder, a payment reverted) is
 * offered again by this one after at most `maxAgeMs`; this instance forgets at once the seats it
 * releases itself. `maxAgeMs` = 0 turns the cache off.
 *
 * Every entry is over within `maxAgeMs` of being remembered, so each write also forgets those
 * remembered longer ago (oldest first, O(1) amortised): the memory holds the last `maxAgeMs` of
 * taken seats, not every seat a sold-out concert ever had until `maxEntries` (a soak's instances
 * grew their heap by 0.2 MB a minute filling it).
 */
export class TakenSeats {
  private readonly seats: BoundedMemory<string, TakenSeat>;

  constructor(
    private readonly maxAgeMs: number,
    maxEntries = 100_000,
    private readonly clock: () => number = Date.now,
  ) {
    this.seats = new BoundedMemory(maxAgeMs > 0 ? maxEntries : 0, {
      forgetAfterMs: maxAgeMs,
      now: clock,
    });
  }

  /** The taken seat's concert, or undefined when this instance does not know it is taken. */
  lookup(scheduleId: number, seatNo: number): { concertId: number } | undefined {
    const key = keyOf(scheduleId, seatNo);
    const seat = this.seats.recall(key);
    if (!seat) return undefined;
    if (seat.until > this.clock()) return seat;
    this.seats.forget(key);
    return undefined;
  }

  /**
   * Remembers a taken seat. `heldUntil` is when its hold ends (null: paid, or not known) and
   * `dbNow` the database's clock at the same moment, so clock skew between hosts does not matter.
   */
  remember(
    seat: { scheduleId: number; seatNo: number; concertId: number },
    heldUntil: Date | null,
    dbNow: Date,
  ): void {
    if (this.maxAgeMs <= 0) return;
    const left = heldUntil ? heldUntil.getTime() - dbNow.getTime() : this.maxAgeMs;
    if (left <= 0) return;
    this.seats.remember(keyOf(seat.scheduleId, seat.seatNo), {
      concertId: seat.concertId,
      until: this.clock() + Math.min(left, this.maxAgeMs),
    });
  }

  forget(scheduleId: number, seatNo: number): void {
    this.seats.forget(keyOf(scheduleId, seatNo));
  }

  get size(): number {
    return this.seats.size;
  }
}

const keyOf = (scheduleId: number, seatNo: number) => `${scheduleId}:${seatNo}`;
