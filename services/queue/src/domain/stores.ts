// The ports of the queue's domain: what it needs from Redis (the line as fans live it), from
// Postgres (the line's durable half, ADR 0024) and from the catalog. data-access implements
// them; start.ts wires them.
import type { ConcertSales } from '@ticketing/contracts';
import type { PlaceRecord } from '@ticketing/queue-pass';
import type {
  AdmissionRecord,
  AuditRecord,
  Claim,
  JoinedAtOnce,
  LineRecord,
  NumberTaken,
  SegmentBits,
  SnapshotData,
  TickPlan,
} from './records';

/** A date of a concert as concert.events (or the catalog) describe it. */
export interface DateOfConcert {
  concertId: number;
  scheduleId: number;
  revision: number;
  status: string;
  opensAtMs: number;
  totalSeats: number;
  closesAtMs: number;
}

/** What is left of a date's seats, with the revision of that count. */
export interface SeatsOfDate {
  concertId: number;
  scheduleId: number;
  seatsRevision: number;
  availableSeats: number;
  heldSeats: number;
}

/**
 * A line as it opens in the store from Postgres' record: new, or rebuilt after a loss with its
 * admitted ranges still active (`member`, and how many of its fans are still active).
 */
export interface LineOpening {
  epoch: number;
  reserved: number;
  issued: number;
  head: number;
  rebuilt: boolean;
  ranges: { member: string; left: number }[];
}

/** What the queue knows of concerts: their dates and seats, which exist, which have a line. */
export interface ConcertRegistry {
  /** A date of the concert as concert.events describe it (kept if newer). */
  applySchedule(s: DateOfConcert): Promise<void>;
  /** What is left of a date's seats (kept if newer). */
  applySeats(s: SeatsOfDate): Promise<void>;
  /** The concerts that have a line (the admission tick walks them). */
  queuedConcerts(): Promise<number[]>;
  /** The concert has a line again (rebuilt after the store lost the set with the rest). */
  requeue(concertId: number): Promise<void>;
  forgetQueued(concertId: number): Promise<void>;
  rememberConcert(concertId: number): Promise<void>;
  isKnownConcert(concertId: number): Promise<boolean>;
}

/** A head move as the admission tick asks the store for it. */
export interface HeadMoveRequest {
  /** This attempt's own id, in the move's record: `moveMadeAt` finds it. */
  id: string;
  /** The head as the tick read it: the move is made only if it still is. */
  from: number;
  to: number;
  admitted: number;
  ttlMs: number;
  /** The numbers skipped as idle, as ranges ("1-5,7"). */
  idle: string;
  /** How many numbers were gone. */
  gone: number;
  /** The numbers that were gone, as ranges (what Postgres records of the move). */
  goneRanges: string;
}

/** The concert's line as a whole: snapshots, the admission tick, sweeps, retirement, audit. */
export interface LineStore {
  /**
   * The concert's line as of now, read again only where it changed since `previous`;
   * `joinSettleMs`: how long a join may take between its number and its bit.
   */
  snapshot(
    concertId: number,
    previous: SnapshotData | undefined,
    joinSettleMs: number,
  ): Promise<SnapshotData>;
  /** The first half of a tick; undefined when the line is not open. */
  prepareTick(
    concertId: number,
    settings: { admitPerSecond: number; maxActive: number; settleMs: number },
  ): Promise<TickPlan | undefined>;
  /**
   * Moves the head if nobody else did, recording the move (`idle`: the numbers skipped as idle,
   * as ranges); until when the admitted are active, or 0.
   */
  advance(concertId: number, move: HeadMoveRequest): Promise<number>;
  /**
   * When the head move `moveId`, asked from the head `from`, was made (the store's clock);
   * undefined if it was not (another move passed `from`, or the line was rebuilt since).
   */
  moveMadeAt(concertId: number, moveId: string, from: number): Promise<number | undefined>;
  /**
   * The head moves of the line's life `epoch` made from `fromMs` to `toMs` (the store's clock,
   * both included), oldest first, as the audit stream recorded them (those before a rebuild left
   * out).
   */
  movesMadeBetween(
    concertId: number,
    epoch: number,
    fromMs: number,
    toMs: number,
  ): Promise<AdmissionRecord[]>;
  /** The store's clock, in ms. */
  clockMs(): Promise<number>;
  /** Whether the line is open (it has an epoch, and has not retired). */
  isOpen(concertId: number): Promise<boolean>;
  /** One instance at a time opens or rebuilds a concert's line: true if this one may. */
  lockOpening(concertId: number, owner: string, ttlMs: number): Promise<boolean>;
  /** The opening lock goes if `owner` still holds it (never another's); true if it went. */
  unlockOpening(concertId: number, owner: string): Promise<boolean>;
  /** Whether the queue's copy of the catalog has the concert's sales. */
  salesKnown(concertId: number): Promise<boolean>;
  /** Nobody is admitted until the concert's sales are known again. */
  markSalesUnknown(concertId: number): Promise<void>;
  /** A segment of a rebuilt line, unless it survived the loss; true if written. */
  restoreSegment(
    concertId: number,
    segment: number,
    alive: Uint8Array,
    window: number,
    seenTtlMs: number,
  ): Promise<boolean>;
  /** The line opens from Postgres' record, once; true if this call opened it. */
  openLine(concertId: number, line: LineOpening): Promise<boolean>;
  /** Removes a concert's line after its sales ended; false when another instance did. */
  retire(concertId: number, auditTtlMs: number): Promise<boolean>;
  claimSweep(concertId: number, window: number): Promise<boolean>;
  /** The idle sweep's record (`idle`: the numbers dropped, as ranges). */
  recordSweep(concertId: number, window: number, head: number, idle: string): Promise<void>;
  /** The concert's audit stream, oldest first. */
  auditRecords(concertId: number): Promise<AuditRecord[]>;
}

/** Each fan's alive and seen bits, in segments of numbers (ADR 0015). */
export interface SegmentBitsStore {
  /** A new fan is seen, then alive. */
  markJoined(concertId: number, number: number, window: number, seenTtlMs: number): Promise<void>;
  /** Clears a number's alive bit; true if it was set. */
  clearAlive(concertId: number, number: number): Promise<boolean>;
  /** Clears the alive bits of many numbers (idle fans dropped). */
  clearMany(concertId: number, numbers: number[]): Promise<void>;
  /** Fans seen during a window. */
  markSeen(concertId: number, window: number, numbers: number[], seenTtlMs: number): Promise<void>;
  /** Alive and seen bitmaps of segments (seen: one per window asked). */
  readSegments(concertId: number, segments: number[], windows: number[]): Promise<SegmentBits[]>;
}

/** The queue's data about fans: the user index, numbers, places; their bits; lines; concerts. */
export interface QueueStore {
  readonly concerts: ConcertRegistry;
  readonly line: LineStore;
  readonly bits: SegmentBitsStore;
  claim(concertId: number, userId: string): Promise<Claim>;
  /**
   * The claim, the next number, its bits and the user's entry in one step, where the store can
   * (undefined where it cannot: then `claim` and `nextNumber`).
   */
  joinAtOnce(
    concertId: number,
    userId: string,
    window: number,
    seenTtlMs: number,
  ): Promise<Exclude<NumberTaken, { kind: 'number' }> | JoinedAtOnce | Claim | undefined>;
  reclaim(concertId: number, userId: string, old: number): Promise<boolean>;
  settle(concertId: number, userId: string, number: number): Promise<void>;
  /** The user's place ended: their entry says so. */
  release(concertId: number, userId: string, number: number): Promise<void>;
  /** A pass whose entry the store lost names its holder again; false if the entry says anything. */
  restoreEntry(concertId: number, userId: string, number: number): Promise<boolean>;
  /** The next number of the concert's counter, or what must happen first. */
  nextNumber(concertId: number): Promise<NumberTaken>;
  /** Numbers up to `reserved` may be handed out in this life of the line (false: not open). */
  raiseReserved(concertId: number, epoch: number, reserved: number): Promise<boolean>;
  /** A pass's place, read fresh (see @ticketing/queue-pass' readPlace). */
  readPlace(claims: {
    userId: string;
    tokenId: string;
    concertId: number;
  }): Promise<PlaceRecord | undefined | 'REBUILDING'>;
  /** A number's record without the user check. */
  readNumber(concertId: number, number: number): Promise<PlaceRecord>;
  /** An admitted fan left early: their slot goes to the next in line. */
  freeSlot(concertId: number, number: number): Promise<void>;
  /** Services that remember ACTIVE passes forget this one at once. */
  announceRevoked(tokenId: string): Promise<void>;
}

/** The line's durable half (ADR 0024): what a line is rebuilt from when Redis loses it. */
export interface LineJournal {
  /** The concert's open line, opened now with `freshEpoch` if it had none. */
  open(concertId: number, freshEpoch: number): Promise<LineRecord>;
  line(concertId: number): Promise<LineRecord | undefined>;
  /** The line's rebuild begins: its counter moves; the record the rebuild uses. */
  beginRebuild(concertId: number, epoch: number): Promise<LineRecord | undefined>;
  /** Numbers handed out (each line's highest): per line still of that epoch, its rebuild count. */
  recordIssued(
    numbers: { concertId: number; epoch: number; upTo: number }[],
  ): Promise<Map<number, number>>;
  /** `block` more numbers reserved, every number up to `issued` handed out: the new reservation. */
  reserve(
    concertId: number,
    epoch: number,
    block: number,
    issued: number,
  ): Promise<number | undefined>;
  /** A head move the tick made; recording it twice changes nothing. */
  recordAdmission(
    concertId: number,
    epoch: number,
    move: AdmissionRecord & { issued: number },
  ): Promise<void>;
  /** Which of these head moves (by their first number) are recorded. */
  recordedMoves(concertId: number, epoch: number, froms: number[]): Promise<Set<number>>;
  /** The head moves whose fans are still active at `nowMs`, oldest first. */
  liveAdmissions(concertId: number, epoch: number, nowMs: number): Promise<AdmissionRecord[]>;
  /** The lines that are open (each with its epoch and the head recorded). */
  openLines(): Promise<LineRecord[]>;
  /** The line's sales ended: it closes (its head moves stay for the audit). */
  close(concertId: number, epoch: number): Promise<void>;
  /** Head moves made before `beforeMs` go, at most `limit` at a time: how many went. */
  purgeAdmissions(beforeMs: number, limit: number): Promise<number>;
}

/** The catalog where it is durable (the concert service). */
export interface Catalog {
  /** The concert's dates as the catalog has them; null when it has no such concert. */
  salesOf(concertId: number): Promise<ConcertSales | null>;
}
