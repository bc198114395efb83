// The queue's records, owned by the domain: what its stores hand back and take (data-access maps
// Redis' and Postgres' shapes to these).
import type { Cohort } from '@ticketing/queue-pass';

/** What a concert's queue looked like at one moment, as one instance read it from Redis. */
export interface SnapshotData {
  concertId: number;
  epoch: number;
  /** Changes when the line is rebuilt after a loss (ADR 0024). */
  gen: number;
  /** Every number ≤ head has had its turn. */
  head: number;
  /** The last number handed out. */
  seq: number;
  /**
   * Numbers up to this one were handed out long enough before the read that their joins'
   * bits are in it (the counter as it was the join's settle time before); a number after it
   * with no bit may be a join still in flight.
   */
  settledSeq: number;
  soldOut: boolean;
  /** Admitted ranges still active, by `to`. */
  cohorts: Cohort[];
  /** The `alive` bitmap of each segment read (from the oldest active range to `seq`). */
  segments: Map<number, Uint8Array>;
  /** Each segment's departures count as of its read (`changes`). */
  versions: Map<number, string>;
  /** (time, seq) of the recent reads: numbers handed out before the oldest are settled. */
  counters: [number, number][];
  /** When every segment was last read in full. */
  fullAtMs: number;
  takenAtMs: number;
}

/** What a user's entry in the index says when they ask for a place. */
export type Claim = { kind: 'held'; number: number } | { kind: 'pending' } | { kind: 'claimed' };

/**
 * The counter's answer: a number of the line's epoch, or what must happen first (ADR 0024): the
 * line opened or rebuilt from Postgres (`closed`), or a block of numbers reserved there
 * (`reserve`: every number up to `seq` was handed out).
 */
export type NumberTaken =
  | { kind: 'number'; number: number; epoch: number; gen: number }
  | { kind: 'closed' }
  | { kind: 'reserve'; seq: number; epoch: number };

/** The first half of a tick (see PREPARE_TICK). */
export interface TickPlan {
  head: number;
  limit: number;
  allowance: number;
  active: number;
  seq: number;
  nowMs: number;
  freedSlots: number;
  /** When the concert's sales ended (0: still selling, or never started). */
  endedAtMs: number;
  epoch: number;
  /** The line was rebuilt while the catalog could not be asked: nobody is admitted yet. */
  salesUnknown: boolean;
}

/** A segment's bitmaps as the tick and the sweep need them. */
export interface SegmentBits {
  segment: number;
  alive: Uint8Array;
  seen: Uint8Array[];
}

/** One record of a concert's audit stream, as stored (numbers as "a-b,c" ranges). */
export type AuditRecord =
  | {
      id: string;
      kind: 'recover';
      at: string;
      head: string;
      issued: string;
      reserved: string;
      ranges: string;
      active: string;
    }
  | {
      id: string;
      kind: 'admit';
      from: string;
      to: string;
      at: string;
      admitted: string;
      idle: string;
      gone: string;
      /** The id of the attempt that made it (absent in records made before ids were given). */
      move?: string;
      /** What Postgres records of it (absent in records made before a maker's loss was mended). */
      epoch?: string;
      until?: string;
      goneRanges?: string;
    }
  | { id: string; kind: 'sweep'; at: string; window: string; head: string; idle: string };

/** A number taken on a single Redis, with its bits and the user's entry, in one step. */
export interface JoinedAtOnce {
  kind: 'joined';
  number: number;
  epoch: number;
  /** The line's generation the number was taken in (new at each rebuild). */
  gen: number;
}

/** A concert's line as Postgres keeps it (ADR 0024). */
export interface LineRecord {
  concertId: number;
  epoch: number;
  /** No number above it was handed out. */
  reserved: number;
  /** Every number up to it was handed out. */
  issued: number;
  /** Every number up to it has had its turn (as of the last admission recorded). */
  head: number;
  /** How many times the line was rebuilt after its store lost it. */
  rebuilds: number;
}

/** One head move, as the audit stream records it, and until when its fans are active. */
export interface AdmissionRecord {
  from: number;
  to: number;
  admitted: number;
  /** Numbers skipped as idle, and numbers that were gone, as ranges ("1-5,7"). */
  idle: string;
  gone: string;
  untilMs: number;
  atMs: number;
}
