import { SEGMENT_SIZE, offsetOf, segmentOf } from '@ticketing/queue-pass';
import type { QueueStore } from './stores';
import { bitAt, setBit } from './bitmaps';

/**
 * Idle fans lose their place (ADR 0015). Time is cut into windows of half the idle timeout; a
 * fan seen (a poll, an open stream, the join itself) sets their bit in the window's bitmap. A fan
 * with no bit in the last two full windows, the current one or a later one (another instance's
 * clock may run ahead) has been silent for at least the idle timeout, and is dropped: silent for
 * between 1× and 1.5× the timeout.
 */
export class Liveness {
  readonly windowMs: number;

  constructor(idleMs: number) {
    this.windowMs = Math.max(25, Math.floor(idleMs / 2));
  }

  windowAt(nowMs: number): number {
    return Math.floor(nowMs / this.windowMs);
  }

  /** The windows whose bits keep a fan in line at `nowMs`. */
  keepingWindows(nowMs: number): number[] {
    const w = this.windowAt(nowMs);
    return [w - 2, w - 1, w, w + 1];
  }

  /**
   * How often an instance writes its seen marks: a tenth of a window (a fan's marks of the last
   * windows keep it meanwhile; the sweep judges whole windows), at most every 5 s, at least as
   * often as snapshots are read. Fewer flushes, more fans per segment write.
   */
  flushEveryMs(snapshotMs: number): number {
    return Math.max(snapshotMs, Math.min(5000, Math.floor(this.windowMs / 10)));
  }

  /** Seen bitmaps outlive every window that may still keep a fan. */
  get seenTtlMs(): number {
    return this.windowMs * 5 + 1000;
  }
}

interface WindowMarks {
  window: number;
  marked: Map<number, Uint8Array>;
  unsent: number[];
}

/**
 * The fans this instance saw, kept in memory and written to Redis in one batch per interval
 * (`flush`): a poll costs no Redis command. A fan seen twice in a window is written once.
 */
export class SeenMarks {
  private readonly concerts = new Map<number, WindowMarks>();

  constructor(
    private readonly store: QueueStore,
    private readonly liveness: Liveness,
  ) {}

  mark(concertId: number, number: number, nowMs = Date.now()): void {
    const window = this.liveness.windowAt(nowMs);
    let marks = this.concerts.get(concertId);
    if (!marks || marks.window !== window) {
      // A new window: what was not sent of the last one is sent with it, in the new window.
      const carried = marks?.unsent ?? [];
      marks = { window, marked: new Map(), unsent: [] };
      this.concerts.set(concertId, marks);
      for (const n of carried) this.mark(concertId, n, nowMs);
    }
    const segment = segmentOf(number);
    let bits = marks.marked.get(segment);
    if (!bits) marks.marked.set(segment, (bits = new Uint8Array(SEGMENT_SIZE / 8)));
    if (bitAt(bits, offsetOf(number))) return;
    setBit(bits, offsetOf(number), true);
    marks.unsent.push(number);
  }

  /** Writes every unsent mark (one command per segment and window). */
  async flush(): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const [concertId, marks] of this.concerts) {
      if (marks.unsent.length === 0) {
        if (marks.window < this.liveness.windowAt(Date.now())) this.concerts.delete(concertId);
        continue;
      }
      const numbers = marks.unsent;
      marks.unsent = [];
      writes.push(
        this.store.bits
          .markSeen(concertId, marks.window, numbers, this.liveness.seenTtlMs)
          .catch((err: unknown) => {
            marks.unsent.push(...numbers); // tried again with the next flush
            throw err;
          }),
      );
    }
    await Promise.all(writes);
  }
}
