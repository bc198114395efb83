import { SEGMENT_SIZE, offsetOf, segmentOf } from '@ticketing/auth';
import type { SnapshotData } from '../data-access/queue-records';
import { bitAt, countBits, setBit } from './bitmaps';

export type { SnapshotData };

/** Where a number stands, as a snapshot tells it. */
export type SnapshotState =
  | { status: 'ACTIVE'; untilMs: number }
  | { status: 'WAITING' | 'SOLD_OUT'; position: number }
  | { status: 'GONE' };

/**
 * A concert's queue in memory: polls and event streams are answered from it, exact as of the
 * moment it was read (ADR 0015). A position is 1 + the fans still alive between the head and the
 * number: a sum of per-segment counts, then the bits of one segment, whatever the crowd.
 * Numbers handed out after the snapshot was taken count as alive.
 */
export class QueueSnapshot {
  /** Alive fans behind the head in the segments before each segment, from the first. */
  private prefix?: Map<number, number>;

  constructor(readonly data: SnapshotData) {}

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

  /** 1 + the alive fans after the head and before `number`. */
  position(number: number): number {
    const d = this.data;
    const upTo = Math.min(number, d.seq + 1); // fans in (head, upTo) are counted by their bits
    const segment = segmentOf(upTo);
    let ahead = this.prefixAt(segment);
    const bits = d.segments.get(segment);
    const start = segment === segmentOf(d.head) ? offsetOf(d.head) + 1 : 0;
    if (bits) ahead += countBits(bits, start, offsetOf(upTo));
    return 1 + ahead + Math.max(0, number - upTo);
  }

  /** A fan this instance saw leave: gone at once here, before the next read. */
  markGone(number: number): void {
    const bits = this.data.segments.get(segmentOf(number));
    if (bits) setBit(bits, offsetOf(number), false);
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

  private prefixAt(segment: number): number {
    if (!this.prefix) {
      this.prefix = new Map();
      const first = segmentOf(this.data.head);
      let sum = 0;
      for (let s = first; s <= segmentOf(this.data.seq) + 1; s++) {
        this.prefix.set(s, sum);
        const bits = this.data.segments.get(s);
        const start = s === first ? offsetOf(this.data.head) + 1 : 0;
        sum += bits ? countBits(bits, start, SEGMENT_SIZE) : 0;
      }
    }
    return this.prefix.get(segment) ?? 0;
  }
}
