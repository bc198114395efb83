import type { Catalog, QueueStore } from './stores';

/**
 * Which concerts exist, and what the queue must know of their dates (when sales open, whether
 * anything is left): the queue's copy in Redis, fed by concert.events; on a miss, the catalog
 * where it is durable (the concert service), so a join never answers 404 for a concert the
 * catalog lists, whether concert.events has not reached the queue yet or Redis lost the copy
 * (ADR 0024). A catalog that does not answer is a 503 (try again), never a 404.
 */
export class KnownConcerts {
  private readonly asking = new Map<number, Promise<boolean>>();

  constructor(
    private readonly store: QueueStore,
    private readonly catalog: Catalog,
  ) {}

  async isKnown(concertId: number): Promise<boolean> {
    if (await this.store.concerts.isKnownConcert(concertId)) return true;
    return this.learn(concertId);
  }

  /**
   * Asks the catalog (once at a time per concert) and keeps what it says: every date's window
   * and seats, then the concert as known. False when the catalog has no such concert.
   */
  learn(concertId: number): Promise<boolean> {
    let asked = this.asking.get(concertId);
    if (!asked) {
      asked = this.ask(concertId).finally(() => this.asking.delete(concertId));
      this.asking.set(concertId, asked);
    }
    return asked;
  }

  private async ask(concertId: number): Promise<boolean> {
    const sales = await this.catalog.salesOf(concertId);
    if (!sales) return false;
    for (const d of sales.dates) {
      await this.store.concerts.applySchedule({
        concertId,
        scheduleId: d.scheduleId,
        revision: d.revision,
        status: d.status,
        opensAtMs: Date.parse(d.bookingOpensAt),
        totalSeats: d.totalSeats,
        closesAtMs: Date.parse(d.bookingClosesAt),
      });
      await this.store.concerts.applySeats({
        concertId,
        scheduleId: d.scheduleId,
        seatsRevision: d.seatsRevision,
        availableSeats: d.availableSeats,
        heldSeats: d.heldSeats,
      });
    }
    await this.store.concerts.rememberConcert(concertId);
    return true;
  }

  /**
   * A date of a concert, published or changed (concert.events): fans may join its queue, and
   * the queue knows when its sales open and whether it is cancelled.
   */
  async learnSchedule(s: {
    concertId: number;
    scheduleId: number;
    revision: number;
    status: string;
    bookingOpensAt: string;
    bookingClosesAt: string;
    totalSeats: number;
  }): Promise<void> {
    await this.store.concerts.rememberConcert(s.concertId);
    await this.store.concerts.applySchedule({
      ...s,
      opensAtMs: Date.parse(s.bookingOpensAt),
      closesAtMs: Date.parse(s.bookingClosesAt),
    });
  }

  /** What is left of a date's seats: the queue stops admitting when nothing is (sold out). */
  learnAvailability(a: {
    concertId: number;
    scheduleId: number;
    seatsRevision: number;
    availableSeats: number;
    heldSeats: number;
  }): Promise<void> {
    return this.store.concerts.applySeats(a);
  }
}
