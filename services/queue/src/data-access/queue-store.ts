import {
  SEGMENT_SIZE,
  offsetOf,
  parseCohort,
  queueKeys,
  readPlace,
  revokedPassesChannel,
  segmentKeys,
  segmentOf,
  userEntry,
  type PlaceRecord,
} from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import { Cluster } from 'ioredis';
import { defineQueueCommands } from './commands';
import { RedisConcertRegistry } from './concert-registry';
import { RedisLineStore } from './line-store';
import type { Claim, JoinedAtOnce, NumberTaken, SegmentBits } from '../domain/records';
import type { QueueStore } from '../domain/stores';
import { bitsOf, groupBySegment } from './segment-io';
import { ReplicaAcks } from './replica-acks';

// A place whose number is being taken is held by a pending mark at most this long.
const PENDING_TIMEOUT_MS = 5000;
// Seen bitmaps whose expiry is remembered (a concert's segments of one or two windows).
const EXPIRING_KEYS_MAX = 100_000;

/**
 * The queue's Redis data about fans (ADR 0015): the user index, numbers, alive and seen bits,
 * places. Atomic scripts on one hash tag each; the line as a whole is `line`, concerts `concerts`.
 */
export class RedisQueueStore implements QueueStore {
  /** What the queue knows of concerts. */
  readonly concerts: RedisConcertRegistry;
  /** The concerts' lines as a whole. */
  readonly line: RedisLineStore;
  /** Writes a failover must keep wait for a replica's acknowledgement (ADR 0024). */
  readonly acks: ReplicaAcks;
  /** Seen bitmaps whose expiry this instance set, and for which window. */
  private readonly expiring = new Map<string, number>();

  constructor(
    readonly redis: RedisClient,
    private readonly keyPrefix: string,
    onShortfall?: (missing: { acked: number; wanted: number }) => void,
  ) {
    defineQueueCommands(redis);
    this.acks = new ReplicaAcks(redis, onShortfall);
    this.concerts = new RedisConcertRegistry(redis);
    this.line = new RedisLineStore(redis, this.concerts, this.acks);
  }

  // --- the user index -------------------------------------------------------------------------

  async claim(concertId: number, userId: string): Promise<Claim> {
    const { key, field } = userEntry(concertId, userId);
    const [kind, number] = await this.redis.queueClaim(key, field, Date.now(), PENDING_TIMEOUT_MS);
    return claimOf(kind, number);
  }

  /**
   * On a single Redis: the claim, the next number, its bits and the user's entry in one script
   * (join-at-once.lua). Undefined on a Redis Cluster (the bits live on other shards).
   */
  async joinAtOnce(
    concertId: number,
    userId: string,
    window: number,
    seenTtlMs: number,
  ): Promise<Exclude<NumberTaken, { kind: 'number' }> | JoinedAtOnce | Claim | undefined> {
    if (this.redis instanceof Cluster) return undefined;
    await this.concerts.registerQueued(concertId);
    const { key, field } = userEntry(concertId, userId);
    const args = [
      key,
      queueKeys(concertId).meta,
      field,
      Date.now(),
      PENDING_TIMEOUT_MS,
      `${this.keyPrefix}{q:${concertId}:`,
      SEGMENT_SIZE,
      window,
      seenTtlMs,
    ];
    // With a replica, the number and its bits are answered once it has them.
    const [kind, number, epoch, gen] = this.acks.waiting
      ? ((await this.acks.run((p) => p.queueJoinAtOnce(...args)))[0] as [
          string,
          number,
          number,
          string,
        ])
      : await this.redis.queueJoinAtOnce(...args);
    if (kind === 'joined')
      return { kind, number: Number(number), epoch: Number(epoch), gen: Number(gen) };
    if (kind === 'closed' || kind === 'reserve') return takenOf(kind, number, epoch!);
    return claimOf(kind, number);
  }

  async reclaim(concertId: number, userId: string, old: number): Promise<boolean> {
    const { key, field } = userEntry(concertId, userId);
    return (await this.redis.queueReclaim(key, field, old, Date.now())) === 1;
  }

  async settle(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    if (this.acks.waiting) await this.acks.run((p) => p.hset(key, field, number));
    else await this.redis.hset(key, field, number);
  }

  /** The user's place ended: their entry says so (not taken for a loss later, ADR 0024). */
  async release(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    await this.redis.queueRelease(key, field, number);
  }

  /** A pass whose entry the store lost names its holder again; false if the entry says anything. */
  async restoreEntry(concertId: number, userId: string, number: number): Promise<boolean> {
    const { key, field } = userEntry(concertId, userId);
    return (await this.redis.queueRestoreEntry(key, field, number)) === 1;
  }

  // --- numbers and their bits -----------------------------------------------------------------

  /**
   * The next number of the concert's counter, or what must happen first: the line opened or
   * rebuilt (`closed`), a block of numbers reserved in Postgres (`reserve`).
   */
  async nextNumber(concertId: number): Promise<NumberTaken> {
    await this.concerts.registerQueued(concertId);
    const meta = queueKeys(concertId).meta;
    const [kind, number, epoch, gen] = this.acks.waiting
      ? ((await this.acks.run((p) => p.queueNextNumber(meta)))[0] as [
          string,
          number,
          number,
          string,
        ])
      : await this.redis.queueNextNumber(meta);
    if (kind === 'number')
      return { kind, number: Number(number), epoch: Number(epoch), gen: Number(gen) };
    return takenOf(kind, number, epoch);
  }

  /** Postgres reserved numbers up to `reserved` for this life of the line (false: not open). */
  async raiseReserved(concertId: number, epoch: number, reserved: number): Promise<boolean> {
    return (await this.redis.queueRaiseReserved(queueKeys(concertId).meta, epoch, reserved)) === 1;
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
    if (this.acks.waiting) {
      this.expiring.set(seen, window);
      await this.acks.run((p) =>
        p
          .setbit(seen, offsetOf(number), 1)
          .pexpire(seen, seenTtlMs)
          .setbit(keys.alive, offsetOf(number), 1),
      );
      return;
    }
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
        return { segment, alive: bitsOf(alive), seen: seen.map(bitsOf) };
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
      this.redis.hmget(keys.meta, 'head', 'epoch', 'retired', 'seq'),
      this.redis.zrangebyscore(keys.cohorts, number, '+inf', 'LIMIT', 0, 1),
    ]);
    const cohort = cohorts[0] ? parseCohort(cohorts[0]) : undefined;
    return {
      heldByUser: true,
      holder: 'this',
      alive: alive === 1,
      head: Number(meta[0] ?? 0),
      // A line that ended or that the store lost holds no place of any epoch.
      epoch: meta[2] === null ? Number(meta[1] ?? 0) : 0,
      cohort: cohort && cohort.from <= number ? cohort : undefined,
      seq: Number(meta[3] ?? 0),
      recovered: 0,
      presumed: 0,
      repairedAtMs: 0,
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
}

/** A claim's answer as a script returns it ({kind, number}). */
function claimOf(kind: string, number: number): Claim {
  if (kind === 'held') return { kind, number: Number(number) };
  return { kind: kind as 'pending' | 'claimed' };
}

/** TAKE_NUMBER's answer when no number was taken. */
function takenOf(
  kind: string,
  seq: number,
  epoch: number,
): Exclude<NumberTaken, { kind: 'number' }> {
  return kind === 'closed'
    ? { kind: 'closed' }
    : { kind: 'reserve', seq: Number(seq), epoch: Number(epoch) };
}
