import {
  USER_BUCKETS,
  parseCohort,
  queueKeys,
  segmentKeys,
  segmentOf,
  userBucketKey,
} from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import './commands';
import type { RedisConcertRegistry } from './concert-registry';
import type { AuditRecord, SnapshotData, TickPlan } from '../domain/records';
import type { HeadMoveRequest, LineOpening, LineStore } from '../domain/stores';
import { bitsOf } from './segment-io';
import type { ReplicaAcks } from './replica-acks';

// Segments before the head read into a snapshot (admitted fans still active).
const MAX_SEGMENTS_BEHIND_HEAD = 64;
// A number handed out this long ago surely has its alive bit set (a join gives up long before):
// segments of numbers younger than that are read again by every snapshot.
const BIT_SURELY_SET_MS = 10_000;
// Departures are counted per segment after the bit is cleared; a count lost to a crash between
// the two is healed by reading every segment again at this period.
const FULL_READ_MS = 30_000;
// Audit records read per round trip while looking for a head move whose answer was lost.
const MOVES_PER_READ = 16;

/** The concert's line as a whole: snapshots, the admission tick, sweeps, retirement, audit. */
export class RedisLineStore implements LineStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly concerts: RedisConcertRegistry,
    private readonly acks: ReplicaAcks,
  ) {}

  /**
   * The concert's queue as of now: two round trips. The first reads the counters, the admitted
   * ranges and each segment's departures count; the second reads the alive bitmaps of the
   * segments that changed since `previous` (a departure counted, or numbers not yet settled),
   * all of them every FULL_READ_MS. A crowd's poll interval costs a few bitmaps, not all.
   */
  async snapshot(
    concertId: number,
    previous: SnapshotData | undefined,
    /** How long a join may take between its number and its bit (the admission's settle time). */
    joinSettleMs: number,
  ): Promise<SnapshotData> {
    const keys = queueKeys(concertId);
    const now = Date.now();
    const [meta, soldOut, members, changes] = await Promise.all([
      this.redis.hmget(keys.meta, 'head', 'seq', 'epoch', 's1', 't1', 's2', 't2', 'gen', 'retired'),
      this.redis.hget(keys.sales, 'soldOut'),
      this.redis.zrange(keys.cohorts, 0, -1),
      this.redis.hgetall(keys.changes),
    ]);
    const head = Number(meta[0] ?? 0);
    const seq = Number(meta[1] ?? 0);
    // A line that ended, or that the store lost, has no epoch a pass could name.
    const epoch = meta[8] === null ? Number(meta[2] ?? 0) : 0;
    const gen = Number(meta[7] ?? 0);
    const cohorts = members.map(parseCohort);
    const oldest = Math.min(head + 1, ...cohorts.map((c) => c.from));
    const first = Math.max(segmentOf(oldest), segmentOf(head) - MAX_SEGMENTS_BEHIND_HEAD);
    // A line rebuilt after a loss (a new `gen`) is read afresh: what was read before is not it.
    const sameLine = previous !== undefined && previous.epoch === epoch && previous.gen === gen;
    const incremental = sameLine && now - previous.fullAtMs < FULL_READ_MS;
    // The counter's history outlives a full read: what settled before it is still settled, and
    // the reads after it take only the young numbers' bitmaps again (not every one until BIT_SURELY_SET_MS).
    const counters = [...(sameLine ? previous.counters : []), [now, seq] as [number, number]];
    while (counters.length > 1 && counters[1]![0] <= now - BIT_SURELY_SET_MS) counters.shift();
    const settled = counters[0]![0] <= now - BIT_SURELY_SET_MS ? counters[0]![1] : 0;
    // The counter as it was a join's settle time before this read: from this instance's earlier
    // reads, or from the samples the admission tick keeps in the counters' hash (Redis time).
    let settledSeq = 0;
    for (const [at, n] of counters)
      if (at <= now - joinSettleMs) settledSeq = Math.max(settledSeq, n);
    for (const [s, t] of [
      [meta[3], meta[4]],
      [meta[5], meta[6]],
    ])
      if (t && Number(t) > 0 && Number(t) <= now - joinSettleMs)
        settledSeq = Math.max(settledSeq, Number(s ?? 0));
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
    wanted.forEach((s, i) => segments.set(s, bitsOf(bitmaps[i]!)));
    return {
      concertId,
      epoch,
      gen,
      head,
      seq,
      settledSeq: Math.min(settledSeq, seq),
      soldOut: soldOut === '1',
      cohorts,
      segments,
      versions,
      counters,
      fullAtMs: incremental ? previous.fullAtMs : now,
      takenAtMs: now,
    };
  }

  /** The first half of a tick; undefined when the line is not open (see prepare-tick.lua). */
  async prepareTick(
    concertId: number,
    settings: { admitPerSecond: number; maxActive: number; settleMs: number },
  ): Promise<TickPlan | undefined> {
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
    if (r[0] === -1) return undefined;
    const [head, limit, allowance, active, seq, nowMs, freedSlots, endedAtMs, epoch, unknown] =
      r as [number, number, number, number, number, number, number, number, number, number];
    return {
      head,
      limit,
      allowance,
      active,
      seq,
      nowMs,
      freedSlots,
      endedAtMs,
      epoch,
      salesUnknown: unknown === 1,
    };
  }

  /** Moves the head if nobody else did; returns until when the admitted are active, or 0. */
  async advance(concertId: number, move: HeadMoveRequest): Promise<number> {
    const keys = queueKeys(concertId);
    const args = [
      keys.meta,
      keys.cohorts,
      keys.cohortLeft,
      keys.audit,
      move.from,
      move.to,
      move.admitted,
      move.ttlMs,
      move.idle,
      move.gone,
      move.id,
    ];
    // With a replica, the move is acknowledged by it before anyone is told (ADR 0024).
    const [moved, untilMs] = this.acks.waiting
      ? ((await this.acks.run((p) => p.queueAdvance(...args)))[0] as [number, number])
      : await this.redis.queueAdvance(...args);
    return Number(moved) === 1 ? Number(untilMs) : 0;
  }

  // --- a line opened, or rebuilt after a loss (ADR 0024) ----------------------------------------

  /** Whether the line is open in Redis (it has an epoch, and has not retired). */
  async isOpen(concertId: number): Promise<boolean> {
    const [epoch, retired] = await this.redis.hmget(queueKeys(concertId).meta, 'epoch', 'retired');
    return epoch !== null && retired === null;
  }

  /** One instance at a time opens or rebuilds a concert's line: true if this one may. */
  async lockOpening(concertId: number, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(queueKeys(concertId).opening, owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /**
   * The opening lock goes if it is still `owner`'s (unlock-opening.lua): an opening slower than
   * the lock's expiry leaves the lock another instance took since.
   */
  async unlockOpening(concertId: number, owner: string): Promise<boolean> {
    return (await this.redis.queueUnlockOpening(queueKeys(concertId).opening, owner)) === 1;
  }

  /** Whether the queue's copy of the catalog has the concert's sales (schedules). */
  async salesKnown(concertId: number): Promise<boolean> {
    const [soldOut, unknown] = await this.redis.hmget(
      queueKeys(concertId).sales,
      'soldOut',
      'unknown',
    );
    return soldOut !== null && unknown === null;
  }

  /**
   * The concert's sales are not known (Redis lost them, the catalog did not answer): nobody is
   * admitted until they are (prepare-tick.lua); the catalog's answer or concert.events clear it.
   */
  async markSalesUnknown(concertId: number): Promise<void> {
    await this.redis.hset(queueKeys(concertId).sales, 'unknown', 1);
  }

  /**
   * A segment of a rebuilt line: `alive` bits come back, seen in `window`, unless the segment
   * survived the loss. Returns true if written.
   */
  async restoreSegment(
    concertId: number,
    segment: number,
    alive: Uint8Array,
    window: number,
    seenTtlMs: number,
  ): Promise<boolean> {
    const keys = segmentKeys(concertId, segment);
    const written = await this.redis.queueRestoreSegment(
      keys.alive,
      keys.seen(window),
      `${keys.alive}:restoring`,
      Buffer.from(alive),
      seenTtlMs,
    );
    return written === 1;
  }

  /**
   * The line opens in Redis from Postgres' record (open-line.lua), once; `ranges`: the admitted
   * ranges still active, as members with their fans still active. True if this call opened it.
   */
  async openLine(concertId: number, line: LineOpening): Promise<boolean> {
    const keys = queueKeys(concertId);
    const opened = await this.redis.queueOpenLine(
      keys.meta,
      keys.cohorts,
      keys.cohortLeft,
      keys.audit,
      line.epoch,
      line.reserved,
      line.issued,
      line.head,
      line.rebuilt ? 1 : 0,
      ...line.ranges.flatMap((r) => [r.member, r.left]),
    );
    return opened === 1;
  }

  /**
   * Removes a concert's queue state after its sales ended (ADR 0015): counters, ranges, the alive
   * bits of every segment, the user index; the audit stream expires after `auditTtlMs`. Returns
   * false when another instance did it already. Stopped half-way (the counters gone, the bits
   * not), the next call finishes it: the concert stays queued, so the next tick calls again.
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
        keys.retiring,
        auditTtlMs,
      ),
    );
    if (seq < 0) {
      await this.concerts.forgetQueued(concertId);
      return false;
    }
    const doomed = [keys.changes];
    for (let s = 0; s <= segmentOf(seq); s++) doomed.push(segmentKeys(concertId, s).alive);
    for (let b = 0; b < USER_BUCKETS; b++) doomed.push(userBucketKey(concertId, b));
    await Promise.all(doomed.map((key) => this.redis.unlink(key)));
    await this.redis.unlink(keys.retiring);
    await this.concerts.forgetQueued(concertId);
    return true;
  }

  async claimSweep(concertId: number, window: number): Promise<boolean> {
    return (await this.redis.queueClaimSweep(queueKeys(concertId).meta, window)) === 1;
  }

  async recordSweep(concertId: number, window: number, head: number, idle: string) {
    await this.redis.queueRecordSweep(queueKeys(concertId).audit, window, head, idle);
  }

  /**
   * When the head move `moveId` (from the head `from`) was made, read back from the newest
   * record: undefined once a record shows the head passed `from` by another move, or the line
   * rebuilt after a loss (what was before is not this line's), or the stream's start.
   */
  async moveMadeAt(concertId: number, moveId: string, from: number): Promise<number | undefined> {
    const audit = queueKeys(concertId).audit;
    let end = '+';
    for (;;) {
      const page = await this.redis.xrevrange(audit, end, '-', 'COUNT', MOVES_PER_READ);
      for (const [, fields] of page) {
        const f = fieldsOf(fields);
        if (f.move === moveId) return Number(f.at);
        if (f.kind === 'recover' || (f.kind === 'admit' && Number(f.from) <= from))
          return undefined;
      }
      if (page.length < MOVES_PER_READ) return undefined;
      end = `(${page.at(-1)![0]}`;
    }
  }

  /** The concert's audit stream, oldest first: one record per head move and per sweep. */
  async auditRecords(concertId: number): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let start = '-';
    for (;;) {
      const batch = await this.redis.xrange(queueKeys(concertId).audit, start, '+', 'COUNT', 5000);
      for (const [id, fields] of batch) records.push({ id, ...fieldsOf(fields) } as AuditRecord);
      if (batch.length < 5000) return records;
      start = `(${batch.at(-1)![0]}`;
    }
  }
}

/** A stream entry's fields as Redis lists them (name, value, name, value…), by name. */
function fieldsOf(fields: string[]): Record<string, string> {
  const byName: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) byName[fields[i]!] = fields[i + 1]!;
  return byName;
}
