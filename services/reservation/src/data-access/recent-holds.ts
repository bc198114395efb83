import type { Reservation } from '../domain/reservation';

/** A hold as this process wrote it: the reservation, its date's status and its revision. */
export interface RememberedHold {
  reservation: Reservation;
  scheduleStatus: string;
  revision: string;
}

/**
 * The holds this process made, each with its revision, so that the saga's confirmation of one is
 * decided without reading it first (the payment that confirms a hold follows it within seconds).
 * A memory, not a source of truth: the hold may have moved since (released by a sweeper,
 * confirmed through another instance, its date cancelled), and the write that relies on it
 * (`confirmIfUnchanged`) then changes nothing and says so. Each entry is used once; bounded,
 * the oldest goes first.
 */
export class RecentHolds {
  private readonly known = new Map<string, RememberedHold>();

  /** `capacity` 0: remembers nothing. */
  constructor(private readonly capacity: number) {}

  remember(hold: RememberedHold): void {
    if (this.capacity === 0) return;
    this.known.set(hold.reservation.reservationId, hold);
    if (this.known.size > this.capacity) this.known.delete(this.known.keys().next().value!);
  }

  /** The hold as remembered, forgotten now: whatever is done with it moves its revision on. */
  take(reservationId: string): RememberedHold | undefined {
    const hold = this.known.get(reservationId);
    this.known.delete(reservationId);
    return hold;
  }
}
