import {
  KNOWN_CONCERTS_KEY,
  QUEUED_CONCERTS_KEY,
  USER_BUCKETS,
  userBucketKey,
  newEpoch,
  offsetOf,
  parseCohort,
  queueKeys,
  readPlace,
  revokedPassesChannel,
  segmentKeys,
  segmentOf,
  userEntry,
  type Cohort,
  type PlaceRecord,
  type QueueRedis,
} from '@ticketing/auth';
import type { Result } from 'ioredis';
import {
  ADVANCE,
  APPLY_SCHEDULE,
  CLAIM,
  CLAIM_SWEEP,
  FREE_SLOT,
  NEXT_NUMBER,
  PREPARE_TICK,
  RECLAIM,
  RECORD_SWEEP,
  RETIRE,
  RELEASE,
} from './scripts';

type Arg = string | number | Buffer;
declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueClaim(...args: Arg[]): Result<[string, number], Context>;
    queueReclaim(...args: Arg[]): Result<number, Context>;
    queueRelease(...args: Arg[]): Result<number, Context>;
    queueNextNumber(...args: Arg[]): Result<[number, number], Context>;
    queuePrepareTick(...args: Arg[]): Result<number[], Context>;
    queueAdvance(...args: Arg[]): Result<[number, number], Context>;
    queueFreeSlot(...args: Arg[]): Result<number, Context>;
    queueClaimSweep(...args: Arg[]): Result<number, Context>;
    queueRecordSweep(...args: Arg[]): Result<number, Context>;
    queueRetire(...args: Arg[]): Result<number, Context>;
    queueApplySchedule(...args: Arg[]): Result<number, Context>;
  }
}

/** What a concert's queue looked like at one moment, as one instance read it from Redis. */
export interface SnapshotData {
  concertId: number;
  epoch: number;
  /** Every number ≤ head has had its turn. */
  head: number;
  /** The last number handed out. */
  seq: number;
  soldOut: boolean;
  /** Admitted ranges still active, by `to`. */
  cohorts: Cohort[];
  /** The `alive` bitmap of each segment read (from the oldest active range to `seq`). */
  segments: Map<number, Uint8Array>;
  /** Each segment's departures count as of its read (`changes`). */
  versions: Map<number, string>;
  /** (time, seq) of the reads of the last SETTLE_MS: numbers older than these are settled. */
  counters: [number, number][];
  /** When every segment was last read in full. */
  fullAtMs: number;
  takenAtMs: number;
}

/** What a user's entry in the index says when they ask for a place. */
export type Claim = { kind: 'held'; number: number } | { kind: 'pending' } | { kind: 'claimed' };

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
}

/** A segment's bitmaps as the tick and the sweep need them. */
export interface SegmentBits {
  segment: number;
  alive: Uint8Array;
  seen: Uint8Array[];
}

// A place whose number is being taken is held by a pending mark at most this long.
const PENDING_TIMEOUT_MS = 5000;
// Seen bitmaps whose expiry is remembered (a concert's segments of one or two windows).
const EXPIRING_KEYS_MAX = 100_000;
// Segments before the head read into a snapshot (admitted fans still active).
const MAX_SEGMENTS_BEHIND_HEAD = 64;
// A number handed out this long ago has its alive bit set (a join's steps take milliseconds; a
// join waits at most PENDING_WAIT_MS): segments of numbers younger than that are read each time.
const SETTLE_MS = 10_000;
// Departures are counted per segment after the bit is cleared; a count lost to a crash between
// the two is healed by reading every segment again at this period.
const FULL_READ_MS = 30_000;

const bytes = (b: Buffer | null): Uint8Array => (b ? new Uint8Array(b) : new Uint8Array(0));

/** The queue's Redis data (ADR 0015): atomic scripts on one hash tag each, bits per fan. */
export class QueueStore {
  private readonly knownConcerts = new Set<number>();
  private readonly registered = new Set<number>();
  /** Seen bitmaps whose expiry this instance set, and for which window. */
  private readonly expiring = new Map<string, number>();

  constructor(
    readonly redis: QueueRedis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('queueClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('queueReclaim', { numberOfKeys: 1, lua: RECLAIM });
    redis.defineCommand('queueRelease', { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand('queueNextNumber', { numberOfKeys: 1, lua: NEXT_NUMBER });
    redis.defineCommand('queuePrepareTick', { numberOfKeys: 4, lua: PREPARE_TICK });
    redis.defineCommand('queueAdvance', { numberOfKeys: 4, lua: ADVANCE });
    redis.defineCommand('queueFreeSlot', { numberOfKeys: 3, lua: FREE_SLOT });
    redis.defineCommand('queueClaimSweep', { numberOfKeys: 1, lua: CLAIM_SWEEP });
    redis.defineCommand('queueRecordSweep', { numberOfKeys: 1, lua: RECORD_SWEEP });
    redis.defineCommand('queueRetire', { numberOfKeys: 5, lua: RETIRE });
    redis.defineCommand('queueApplySchedule', { numberOfKeys: 2, lua: APPLY_SCHEDULE });
  }

  // --- the user index -------------------------------------------------------------------------

  async claim(concertId: number, userId: string): Promise<Claim> {
    const { key, field } = userEntry(concertId, userId);
    const [kind, number] = await this.redis.queueClaim(key, field, Date.now(), PENDING_TIMEOUT_MS);
    return kind === 'held' ? { kind, number: Number(number) } : { kind: kind as 'pending' };
  }

  async reclaim(concertId: number, userId: string, old: number): Promise<boolean> {
    const { key, field } = userEntry(concertId, userId);
    return (await this.redis.queueReclaim(key, field, old, Date.now())) === 1;
  }

  async settle(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    await this.redis.hset(key, field, number);
  }

  async release(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    await this.redis.queueRelease(key, field, number);
  }

  // --- numbers and their bits -----------------------------------------------------------------

  async nextNumber(concertId: number): Promise<{ number: number; epoch: number }> {
    await this.register(concertId);
    const [number, epoch] = await this.redis.queueNextNumber(queueKeys(concertId).meta, newEpoch());
    return { number: Number(number), epoch: Number(epoch) };
  }

  /** A new fan is seen, then alive (in that order: an alive bit always has its seen bit). */
  async markJoined(
    concertId: number,
    number: number,
    window: number,
    seenTtlMs: number,
  ): Promise<void> {
    const keys = segmentKeys(concertId, segmentOf(number));
    const seen = keys.seen(window);
    await Promise.all([
      this.redis.setbit(seen, offsetOf(number), 1),
      this.expireOnce(seen, window, seenTtlMs),
      this.redis.setbit(keys.alive, offsetOf(number), 1),
    ]);
  }

  /**
   * A window's seen bitmap outlives its window by a fixed time: the first write of this instance
   * sets that, later writes to the same key need not (one PEXPIRE per key and instance, not one
   * per join or per batch).
   */
  private async expireOnce(key: string, window: number, ttlMs: number): Promise<void> {
    if (this.expiring.get(key) === window) return;
    if (this.expiring.size >= EXPIRING_KEYS_MAX) {
      for (const [k, w] of this.expiring) if (w < window) this.expiring.delete(k);
      if (this.expiring.size >= EXPIRING_KEYS_MAX) this.expiring.clear();
    }
    this.expiring.set(key, window);
    await this.redis.pexpire(key, ttlMs);
  }

  /** Clears a number's alive bit; true if it was set. */
  async clearAlive(concertId: number, number: number): Promise<boolean> {
    const keys = segmentKeys(concertId, segmentOf(number));
    const wasAlive = (await this.redis.setbit(keys.alive, offsetOf(number), 0)) === 1;
    if (wasAlive) await this.countDepartures(concertId, [segmentOf(number)]);
    return wasAlive;
  }

  /**
   * Snapshots read these segments again (after the bits were cleared, never before: a snapshot
   * that sees the count also sees the bits).
   */
  private async countDepartures(concertId: number, segments: number[]): Promise<void> {
    const changes = queueKeys(concertId).changes;
    await Promise.all(segments.map((s) => this.redis.hincrby(changes, String(s), 1)));
  }

  /** Clears the alive bits of many numbers (idle fans dropped), one command per segment. */
  async clearMany(concertId: number, numbers: number[]): Promise<void> {
    const bySegment = groupBySegment(numbers);
    await Promise.all(
      [...bySegment].map(([segment, offsets]) =>
        this.redis.call(
          'BITFIELD',
          segmentKeys(concertId, segment).alive,
          ...offsets.flatMap((o) => ['SET', 'u1', o, 0]),
        ),
      ),
    );
    await this.countDepartures(concertId, [...bySegment.keys()]);
  }

  /** Fans seen during a window (polls and streams of one instance), one command per segment. */
  async markSeen(
    concertId: number,
    window: number,
    numbers: number[],
    seenTtlMs: number,
  ): Promise<void> {
    await Promise.all(
      [...groupBySegment(numbers)].flatMap(([segment, offsets]) => {
        const key = segmentKeys(concertId, segment).seen(window);
        return [
          this.redis.call('BITFIELD', key, ...offsets.flatMap((o) => ['SET', 'u1', o, 1])),
          this.expireOnce(key, window, seenTtlMs),
        ];
      }),
    );
  }

  /** Alive and seen bitmaps of segments (seen: one per window asked). */
  async readSegments(
    concertId: number,
    segments: number[],
    windows: number[],
  ): Promise<SegmentBits[]> {
    return Promise.all(
      segments.map(async (segment) => {
        const keys = segmentKeys(concertId, segment);
        const [alive, ...seen] = await Promise.all([
          this.redis.getBuffer(keys.alive),
          ...windows.map((w) => this.redis.getBuffer(keys.seen(w))),
        ]);
        return { segment, alive: bytes(alive), seen: seen.map(bytes) };
      }),
    );
  }

  // --- places, read fresh ---------------------------------------------------------------------

  readPlace(claims: { userId: string; tokenId: string; concertId: number }) {
    return readPlace(this.redis, claims);
  }

  /** A number's record without the user check (the index named it for this user already). */
  async readNumber(concertId: number, number: number): Promise<PlaceRecord> {
    const keys = queueKeys(concertId);
    const [alive, meta, cohorts] = await Promise.all([
      this.redis.getbit(segmentKeys(concertId, segmentOf(number)).alive, offsetOf(number)),
      this.redis.hmget(keys.meta, 'head', 'epoch'),
      this.redis.zrangebyscore(keys.cohorts, number, '+inf', 'LIMIT', 0, 1),
    ]);
    const cohort = cohorts[0] ? parseCohort(cohorts[0]) : undefined;
    return {
      heldByUser: true,
      alive: alive === 1,
      head: Number(meta[0] ?? 0),
      epoch: Number(meta[1] ?? 0),
      cohort: cohort && cohort.from <= number ? cohort : undefined,
    };
  }

  /** An admitted fan left early: their slot goes to the next in line. */
  async freeSlot(concertId: number, number: number): Promise<void> {
    const keys = queueKeys(concertId);
    await this.redis.queueFreeSlot(keys.meta, keys.cohorts, keys.cohortLeft, number);
  }

  /** Services that remember ACTIVE passes forget this one at once. */
  async announceRevoked(tokenId: string): Promise<void> {
    await this.redis.publish(revokedPassesChannel(this.keyPrefix), tokenId);
  }

  // --- the concert as a whole -----------------------------------------------------------------

  /**
   * The concert's queue as of now: two round trips. The first reads the counters, the admitted
   * ranges and each segment's departures count; the second reads the alive bitmaps of the
   * segments that changed since `previous` (a departure counted, or numbers not yet settled),
   * all of them every FULL_READ_MS. A crowd's poll interval costs a few bitmaps, not all.
   */
  async snapshot(concertId: number, previous?: SnapshotData): Promise<SnapshotData> {
    const keys = queueKeys(concertId);
    const now = Date.now();
    const [meta, soldOut, members, changes] = await Promise.all([
      this.redis.hmget(keys.meta, 'head', 'seq', 'epoch'),
      this.redis.hget(keys.sales, 'soldOut'),
      this.redis.zrange(keys.cohorts, 0, -1),
      this.redis.hgetall(keys.changes),
    ]);
    const head = Number(meta[0] ?? 0);
    const seq = Number(meta[1] ?? 0);
    const epoch = Number(meta[2] ?? 0);
    const cohorts = members.map(parseCohort);
    const oldest = Math.min(head + 1, ...cohorts.map((c) => c.from));
    const first = Math.max(segmentOf(oldest), segmentOf(head) - MAX_SEGMENTS_BEHIND_HEAD);
    const incremental =
      previous !== undefined && previous.epoch === epoch && now - previous.fullAtMs < FULL_READ_MS;
    const counters = [...(incremental ? previous.counters : []), [now, seq] as [number, number]];
    while (counters.length > 1 && counters[1]![0] <= now - SETTLE_MS) counters.shift();
    const settled = counters[0]![0] <= now - SETTLE_MS ? counters[0]![1] : 0;
    const segments = new Map<number, Uint8Array>();
    const versions = new Map<number, string>();
    const wanted: number[] = [];
    for (let s = first; s <= segmentOf(seq); s++) {
      const version = changes[String(s)] ?? '0';
      versions.set(s, version);
      const known = incremental ? previous.segments.get(s) : undefined;
      if (known && s < segmentOf(settled) && previous!.versions.get(s) === version)
        segments.set(s, known);
      else wanted.push(s);
    }
    const bitmaps = await Promise.all(
      wanted.map((s) => this.redis.getBuffer(segmentKeys(concertId, s).alive)),
    );
    wanted.forEach((s, i) => segments.set(s, bytes(bitmaps[i]!)));
    return {
      concertId,
      epoch,
      head,
      seq,
      soldOut: soldOut === '1',
      cohorts,
      segments,
      versions,
      counters,
      fullAtMs: incremental ? previous.fullAtMs : now,
      takenAtMs: now,
    };
  }

  async prepareTick(
    concertId: number,
    settings: { admitPerSecond: number; maxActive: number; settleMs: number },
  ): Promise<TickPlan> {
    const keys = queueKeys(concertId);
    const r = (
      await this.redis.queuePrepareTick(
        keys.meta,
        keys.cohorts,
        keys.cohortLeft,
        keys.sales,
        settings.admitPerSecond,
        settings.maxActive,
        settings.settleMs,
      )
    ).map(Number);
    const [head, limit, allowance, active, seq, nowMs, freedSlots, endedAtMs] = r as number[] as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { head, limit, allowance, active, seq, nowMs, freedSlots, endedAtMs };
  }

  /** Moves the head if nobody else did; returns until when the admitted are active, or 0. */
  async advance(
    concertId: number,
    move: {
      from: number;
      to: number;
      admitted: number;
      ttlMs: number;
      idle: number[];
      gone: number;
    },
  ): Promise<number> {
    const keys = queueKeys(concertId);
    const [moved, untilMs] = await this.redis.queueAdvance(
      keys.meta,
      keys.cohorts,
      keys.cohortLeft,
      keys.audit,
      move.from,
      move.to,
      move.admitted,
      move.ttlMs,
      asRanges(move.idle),
      move.gone,
    );
    return Number(moved) === 1 ? Number(untilMs) : 0;
  }

  /**
   * Removes a concert's queue state after its sales ended (ADR 0015): counters, ranges, the alive
   * bits of every segment, the user index; the audit stream expires after `auditTtlMs`. Returns
   * false when another instance did it already.
   */
  async retire(concertId: number, auditTtlMs: number): Promise<boolean> {
    const keys = queueKeys(concertId);
    const seq = Number(
      await this.redis.queueRetire(
        keys.meta,
        keys.cohorts,
        keys.cohortLeft,
        keys.sweepLock,
        keys.audit,
        auditTtlMs,
      ),
    );
    await this.redis.srem(QUEUED_CONCERTS_KEY, concertId);
    this.registered.delete(concertId);
    if (seq < 0) return false;
    const doomed = [keys.changes];
    for (let s = 0; s <= segmentOf(seq); s++) doomed.push(segmentKeys(concertId, s).alive);
    for (let b = 0; b < USER_BUCKETS; b++) doomed.push(userBucketKey(concertId, b));
    await Promise.all(doomed.map((key) => this.redis.unlink(key)));
    return true;
  }

  async claimSweep(concertId: number, window: number): Promise<boolean> {
    return (await this.redis.queueClaimSweep(queueKeys(concertId).meta, window)) === 1;
  }

  async recordSweep(concertId: number, window: number, head: number, idle: number[]) {
    await this.redis.queueRecordSweep(queueKeys(concertId).audit, window, head, asRanges(idle));
  }

  /** The concert's audit stream, oldest first: one record per head move and per sweep. */
  async auditRecords(concertId: number): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let start = '-';
    for (;;) {
      const batch = await this.redis.xrange(queueKeys(concertId).audit, start, '+', 'COUNT', 5000);
      for (const [id, fields] of batch) {
        const f: Record<string, string> = {};
        for (let i = 0; i < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        records.push({ id, ...f } as AuditRecord);
      }
      if (batch.length < 5000) return records;
      start = `(${batch.at(-1)![0]}`;
    }
  }

  // --- what the queue learns of concerts ------------------------------------------------------

  /** A date of the concert as concert.events describe it (kept if newer). */
  async applySchedule(s: {
    concertId: number;
    scheduleId: number;
    revision: number;
    status: string;
    opensAtMs: number;
    totalSeats: number;
    closesAtMs: number;
  }): Promise<void> {
    const keys = queueKeys(s.concertId);
    await this.redis.queueApplySchedule(
      keys.schedules,
      keys.sales,
      'schedule',
      s.scheduleId,
      s.revision,
      s.status,
      s.opensAtMs,
      s.totalSeats,
      s.closesAtMs,
    );
  }

  /** What is left of a date's seats (kept if newer). */
  async applySeats(s: {
    concertId: number;
    scheduleId: number;
    seatsRevision: number;
    availableSeats: number;
    heldSeats: number;
  }): Promise<void> {
    const keys = queueKeys(s.concertId);
    await this.redis.queueApplySchedule(
      keys.schedules,
      keys.sales,
      'seats',
      s.scheduleId,
      s.seatsRevision,
      s.availableSeats,
      s.heldSeats,
    );
  }

  queuedConcerts(): Promise<number[]> {
    return this.redis.smembers(QUEUED_CONCERTS_KEY).then((ids) => ids.map(Number));
  }

  private async register(concertId: number): Promise<void> {
    if (this.registered.has(concertId)) return;
    await this.redis.sadd(QUEUED_CONCERTS_KEY, concertId);
    this.registered.add(concertId);
  }

  async rememberConcert(concertId: number): Promise<void> {
    await this.redis.sadd(KNOWN_CONCERTS_KEY, concertId);
    this.knownConcerts.add(concertId);
  }

  /** Concerts never disappear, so a positive answer is cached for good. */
  async isKnownConcert(concertId: number): Promise<boolean> {
    if (this.knownConcerts.has(concertId)) return true;
    const known = (await this.redis.sismember(KNOWN_CONCERTS_KEY, concertId)) === 1;
    if (known) this.knownConcerts.add(concertId);
    return known;
  }
}

/** One record of a concert's audit stream, as stored (numbers as "a-b,c" ranges). */
export type AuditRecord =
  | {
      id: string;
      kind: 'admit';
      from: string;
      to: string;
      at: string;
      admitted: string;
      idle: string;
      gone: string;
    }
  | { id: string; kind: 'sweep'; at: string; window: string; head: string; idle: string };

/** Sorted numbers as "1-5,7,9-12": a sweep of a million idle fans is a few runs, not a list. */
export function asRanges(numbers: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < numbers.length;) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j]! + 1) j++;
    runs.push(i === j ? String(numbers[i]) : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return runs.join(',');
}

function groupBySegment(numbers: number[]): Map<number, number[]> {
  const bySegment = new Map<number, number[]>();
  for (const n of numbers) {
    const s = segmentOf(n);
    let offsets = bySegment.get(s);
    if (!offsets) bySegment.set(s, (offsets = []));
    offsets.push(offsetOf(n));
  }
  return bySegment;
}
