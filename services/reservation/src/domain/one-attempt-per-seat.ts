/**
 * At most one hold attempt per seat in flight on this instance; fans asking for the same seat
 * meanwhile wait for its outcome instead of all reaching the database at once (ADR 0006). Once it
 * is over, `stillWorthTrying` (which throws when the seat is now known taken) sends the waiters
 * away, or lets the next of them try: an attempt can fail for reasons of its own fan (who already
 * holds a seat) and leave the seat free.
 */
export class OneAttemptPerSeat {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  async run<T>(
    seat: { scheduleId: number; seatNo: number },
    stillWorthTrying: () => void,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const key = `${seat.scheduleId}:${seat.seatNo}`;
    for (;;) {
      stillWorthTrying();
      const current = this.inFlight.get(key);
      if (!current) break;
      await current.then(ignore, ignore);
    }
    const mine = attempt();
    this.inFlight.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.inFlight.get(key) === mine) this.inFlight.delete(key);
    }
  }

  get size(): number {
    return this.inFlight.size;
  }
}

const ignore = () => undefined;
