import {
  USER_BUCKETS,
  queueKeys,
  segmentKeys,
  segmentOf,
  userBucketKey,
} from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import type { RedisConcertRegistry } from './concert-registry';
import type { AdmissionRecord, AuditRecord, SnapshotData, TickPlan } from '../domain/records';
import type { HeadMoveRequest, LineOpening, LineStore } from '../domain/stores';
import { auditRecords, moveMadeAt, movesMadeBetween } from './audit-stream';
import { readSnapshot } from './line-snapshot';
import type { ReplicaAcks } from './replica-acks';
import { script, send } from './scripts';

/** The concert's line as a whole: snapshots, the admission tick, sweeps, retirement, audit. */
export class RedisLineStore implements LineStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly concerts: RedisConcertRegistry,
    private readonly acks: ReplicaAcks,
  ) {}

  /** The concert's queue as of now, read again only where it changed (see `readSnapshot`). */
  snapshot(
    concertId: number,
    previous: SnapshotData | undefined,
    joinSettleMs: number,
  ): Promise<SnapshotData> {
    return readSnapshot(this.redis, concertId, previous, joinSettleMs);
  }

  /** The first half of a tick; undefined when the line is not open (see prepare-tick.lua). */
  async prepareTick(
    concertId: number,
    settings: { admitPerSecond: number; maxActive: number; settleMs: number },
  ): Promise<TickPlan | undefined> {
    const keys = queueKeys(concertId);
    const reply = await send<number[]>(
      this.redis,
      script(
        'prepare-tick',
        [keys.meta, keys.cohorts, keys.cohortLeft, keys.sales],
        [settings.admitPerSecond, settings.maxActive, settings.settleMs],
      ),
    );
    const r = reply.map(Number);
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
    // With a replica, the move is acknowledged by it before anyone is told (ADR 0024).
    const [reply] = await this.acks.write(
      script(
        'advance',
        [keys.meta, keys.cohorts, keys.cohortLeft, keys.audit],
        [
          move.from,
          move.to,
          move.admitted,
          move.ttlMs,
          move.idle,
          move.gone,
          move.id,
          move.goneRanges,
        ],
      ),
    );
    const [moved, untilMs] = reply as [number, number];
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
    return (
      (await send(
        this.redis,
        script('unlock-opening', [queueKeys(concertId).opening], [owner]),
      )) === 1
    );
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
    const written = await send(
      this.redis,
      script(
        'restore-segment',
        [keys.alive, keys.seen(window), `${keys.alive}:restoring`],
        [Buffer.from(alive), seenTtlMs],
      ),
    );
    return written === 1;
  }

  /**
   * The line opens in Redis from Postgres' record (open-line.lua), once; `ranges`: the admitted
   * ranges still active, as members with their fans still active. True if this call opened it.
   */
  async openLine(concertId: number, line: LineOpening): Promise<boolean> {
    const keys = queueKeys(concertId);
    const opened = await send(
      this.redis,
      script(
        'open-line',
        [keys.meta, keys.cohorts, keys.cohortLeft, keys.audit],
        [
          line.epoch,
          line.reserved,
          line.issued,
          line.head,
          line.rebuilt ? 1 : 0,
          ...line.ranges.flatMap((r) => [r.member, r.left]),
        ],
      ),
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
      await send(
        this.redis,
        script(
          'retire',
          [keys.meta, keys.cohorts, keys.cohortLeft, keys.sweepLock, keys.audit, keys.retiring],
          [auditTtlMs],
        ),
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
    return (
      (await send(this.redis, script('claim-sweep', [queueKeys(concertId).meta], [window]))) === 1
    );
  }

  async recordSweep(concertId: number, window: number, head: number, idle: string) {
    await send(
      this.redis,
      script('record-sweep', [queueKeys(concertId).audit], [window, head, idle]),
    );
  }

  moveMadeAt(concertId: number, moveId: string, from: number): Promise<number | undefined> {
    return moveMadeAt(this.redis, concertId, moveId, from);
  }

  movesMadeBetween(
    concertId: number,
    epoch: number,
    fromMs: number,
    toMs: number,
  ): Promise<AdmissionRecord[]> {
    return movesMadeBetween(this.redis, concertId, epoch, fromMs, toMs);
  }

  /** The store's clock (the one a move's record and its stream id carry). */
  async clockMs(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }

  auditRecords(concertId: number): Promise<AuditRecord[]> {
    return auditRecords(this.redis, concertId);
  }
}
