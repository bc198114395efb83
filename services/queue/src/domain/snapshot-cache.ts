import type { QueueStore } from './stores';
import { JOIN_SETTLE_MS } from './settings';
import { QueueSnapshot } from './queue-snapshot';

/**
 * Each instance's snapshots of the concerts it serves (ADR 0015): a poll is answered from one,
 * and a snapshot older than `refreshMs` is read again in the background (two Redis round trips
 * per concert per interval, whatever the number of polls; only changed segments' bitmaps). A
 * request waits for a read only when the snapshot is older than twice that (the first request
 * for a concert, or one after a quiet spell): no answer comes from a snapshot older than
 * 2 × `refreshMs`.
 */
export class SnapshotCache {
  private readonly current = new Map<number, QueueSnapshot>();
  private readonly reading = new Map<number, Promise<QueueSnapshot>>();

  constructor(
    private readonly store: QueueStore,
    private readonly refreshMs: number,
  ) {}

  async get(concertId: number): Promise<QueueSnapshot> {
    const known = this.current.get(concertId);
    const age = known ? Date.now() - known.data.takenAtMs : Infinity;
    if (age >= 2 * this.refreshMs) return this.read(concertId);
    if (age >= this.refreshMs) this.read(concertId).catch(() => undefined); // served meanwhile
    return known!;
  }

  /** A fresh read now (after a change this instance made, or a place of an unknown epoch). */
  read(concertId: number): Promise<QueueSnapshot> {
    let pending = this.reading.get(concertId);
    if (!pending) {
      pending = this.store.line
        .snapshot(concertId, this.current.get(concertId)?.data, JOIN_SETTLE_MS)
        .then((data) => {
          const previous = this.current.get(concertId);
          const sameLine = previous?.data.epoch === data.epoch && previous.data.gen === data.gen;
          const snapshot = new QueueSnapshot(data, sameLine ? previous.seenLeaving : []);
          this.current.set(concertId, snapshot);
          return snapshot;
        })
        .finally(() => this.reading.delete(concertId));
      this.reading.set(concertId, pending);
    }
    return pending;
  }

  /**
   * A snapshot of the line's generation `gen` (new at each rebuild after a loss): one of an older
   * generation would count the numbers between its counter and the rebuilt line's as joins in
   * flight, ahead of the fan. Read again when it is older (at most twice: a read begun before
   * the rebuild may be the one shared).
   */
  async ofGeneration(concertId: number, gen: number): Promise<QueueSnapshot> {
    let snapshot = await this.get(concertId);
    for (let reads = 0; reads < 2 && snapshot.data.gen < gen; reads++)
      snapshot = await this.read(concertId);
    return snapshot;
  }

  /**
   * The store showed `number` admitted while the snapshot in memory has the head before it: the
   * snapshot predates a tick (this instance's read after it is in flight, or another instance
   * ticked). It is read again before the fan hears they are in, so the fans behind are not told
   * positions that still count the admitted ones: from two snapshots, two fans could otherwise be
   * told one position. Reads are shared: one per tick, at most two when a read begun before the
   * tick was in flight. A failed read leaves the next refresh to catch up, not the fan.
   */
  async catchUpWithAdmission(concertId: number, number: number): Promise<void> {
    for (let reads = 0; reads < 2; reads++) {
      if ((this.current.get(concertId)?.head ?? -1) >= number) return;
      await this.read(concertId).catch(() => undefined);
    }
  }

  /** The snapshot in memory, if any (no read). */
  peek(concertId: number): QueueSnapshot | undefined {
    return this.current.get(concertId);
  }

  /** The line is gone (its sales ended): its snapshot, bitmaps and all, is not kept. */
  forget(concertId: number): void {
    this.current.delete(concertId);
  }

  concerts(): number[] {
    return [...this.current.keys()];
  }
}
