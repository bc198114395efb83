import { SEGMENT_SIZE, offsetOf, segmentOf } from '@ticketing/queue-pass';
import { bitAt, countBits, setBit } from './bitmaps';
import type { SnapshotData } from './records';

/** Where a number stands, as a snapshot tells it. */
export type SnapshotState =
  | { status: 'ACTIVE'; untilMs: number }
  | { status: 'WAITING' | 'SOLD_OUT'; position: number }
  | { status: 'GONE' };

/**
 * A concert's queue in memory: polls and event streams are answered from it, exact as of the
 * moment it was read (ADR 0015). A position is 1 + the fans ahead: those still alive between the
 * head and the number (a sum of per-segment counts, then the bits of one segment, whatever the
 * crowd), and every number whose join may still be in flight: a number handed out after
 * `settledSeq` (its bit may land after the read) or after the snapshot was taken counts as
 * ahead, not as gone (ADR 0024), unless this instance saw it leave. Two fans are never told the
 * same position from one snapshot.
 */
export class QueueSnapshot {
  /** Alive fans behind the head in the segments before each segment, from the first. */
  private prefix?: Map<number, number>;
  /** Numbers after `settledSeq` that this instance saw leave (no longer counted as ahead). */
  private readonly goneYoung = new Set<number>();

  /**
   * `seenLeaving`: young numbers an earlier snapshot of this instance saw leave: still gone in
   * this one while they are young in it (the store's bits may not say so yet).
   */
  constructor(
    readonly data: SnapshotData,
    seenLeaving: Iterable<number> = [],
  ) {
    for (const n of seenLeaving) if (n > this.settledUpTo && n <= data.seq) this.goneYoung.add(n);
  }

  /** Young numbers this instance saw leave (handed to the next snapshot of the line). */
  get seenLeaving(): Iterable<number> {
    return this.goneYoung;
  }

  get head(): number {
    return this.data.head;
  }

  stateOf(number: number, nowMs: number): SnapshotState {
    const d = this.data;
    if (number <= d.head) {
      const cohort = d.cohorts.find((c) => c.from <= number && number <= c.to);
      if (!cohort || cohort.untilMs <= nowMs || !this.alive(number)) return { status: 'GONE' };
      return { status: 'ACTIVE', untilMs: cohort.untilMs };
    }
    if (!this.alive(number)) return { status: 'GONE' };
    return { status: d.soldOut ? 'SOLD_OUT' : 'WAITING', position: this.position(number) };
  }

  /** Alive in the snapshot: its bit, or handed out since (assumed alive until the next read). */
  alive(number: number): boolean {
    if (number > this.data.seq) return true;
    const bits = this.data.segments.get(segmentOf(number));
    return bits === undefined ? number > this.data.head : bitAt(bits, offsetOf(number));
  }

  /**
   * 1 + the fans ahead of `number`: alive by their bits up to the settled counter, then every
   * number handed out since (in flight or alive) but those this instance saw leave.
   */
  position(number: number): number {
    const d = this.data;
    const settled = this.settledUpTo;
    const upTo = Math.min(number, settled + 1); // fans in (head, upTo) are counted by their bits
    let ahead = 0;
    if (upTo > d.head + 1) {
      const segment = segmentOf(upTo);
      ahead = this.prefixAt(segment);
      const bits = d.segments.get(segment);
      const start = segment === segmentOf(d.head) ? offsetOf(d.head) + 1 : 0;
      if (bits) ahead += countBits(bits, start, offsetOf(upTo));
    }
    const youngEnd = Math.min(number, d.seq + 1);
    if (youngEnd > settled + 1) {
      ahead += youngEnd - (settled + 1);
      for (const n of this.goneYoung) if (n > settled && n < youngEnd) ahead--;
    }
    return 1 + ahead + Math.max(0, number - Math.max(youngEnd, settled + 1));
  }

  /** A fan this instance saw leave: gone at once here, before the next read. */
  markGone(number: number): void {
    const bits = this.data.segments.get(segmentOf(number));
    if (bits) setBit(bits, offsetOf(number), false);
    if (number > this.settledUpTo && number <= this.data.seq) this.goneYoung.add(number);
    this.prefix = undefined;
  }

  /** A fan this instance saw join. */
  markJoined(number: number): void {
    const bits = this.data.segments.get(segmentOf(number));
    if (bits && number <= this.data.seq) {
      setBit(bits, offsetOf(number), true);
      this.prefix = undefined;
    }
  }

  /** Numbers up to this one have their bits in the snapshot (the head at least). */
  private get settledUpTo(): number {
    return Math.max(this.data.head, Math.min(this.data.settledSeq, this.data.seq));
  }

  private prefixAt(segment: number): number {
    if (!this.prefix) {
      this.prefix = new Map();
      const first = segmentOf(this.data.head);
      let sum = 0;
      for (let s = first; s <= segmentOf(this.settledUpTo) + 1; s++) {
        this.prefix.set(s, sum);
        const bits = this.data.segments.get(s);
        const start = s === first ? offsetOf(this.data.head) + 1 : 0;
        sum += bits ? countBits(bits, start, SEGMENT_SIZE) : 0;
      }
    }
    return this.prefix.get(segment) ?? 0;
  }
}
