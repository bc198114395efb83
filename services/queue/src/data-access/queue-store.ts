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
import { RedisConcertRegistry } from './concert-registry';
import { RedisLineStore } from './line-store';
import type { Claim, JoinedAtOnce, NumberTaken } from '../domain/records';
import type { QueueStore } from '../domain/stores';
import { ReplicaAcks } from './replica-acks';
import { defineQueueScripts, script, send } from './scripts';
import { RedisSegmentBits } from './segment-bits';

// A place whose number is being taken is held by a pending mark at most this long.
const PENDING_TIMEOUT_MS = 5000;

/**
 * The queue's Redis data about fans (ADR 0015): the user index, numbers, places; their bits are
 * `bits`, the line as a whole `line`, concerts `concerts`. Atomic scripts on one hash tag each.
 */
export class RedisQueueStore implements QueueStore {
  /** What the queue knows of concerts. */
  readonly concerts: RedisConcertRegistry;
  /** The concerts' lines as a whole. */
  readonly line: RedisLineStore;
  /** Each fan's alive and seen bits. */
  readonly bits: RedisSegmentBits;
  /** Writes a failover must keep wait for a replica's acknowledgement (ADR 0024). */
  readonly acks: ReplicaAcks;

  constructor(
    readonly redis: RedisClient,
    private readonly keyPrefix: string,
    onShortfall?: (missing: { acked: number; wanted: number }) => void,
  ) {
    defineQueueScripts(redis);
    this.acks = new ReplicaAcks(redis, onShortfall);
    this.concerts = new RedisConcertRegistry(redis);
    this.line = new RedisLineStore(redis, this.concerts, this.acks);
    this.bits = new RedisSegmentBits(redis, this.acks);
  }

  // --- the user index -------------------------------------------------------------------------

  async claim(concertId: number, userId: string): Promise<Claim> {
    const { key, field } = userEntry(concertId, userId);
    const [kind, number] = await send<[string, number]>(
      this.redis,
      script('claim', [key], [field, Date.now(), PENDING_TIMEOUT_MS]),
    );
    return claimOf(kind, number);
  }

  /**
   * On a single Redis: the claim, the next number, its bits and the user's entry in one script
   * (join-at-once.lua); with a replica, answered once it has them. Undefined on a Redis Cluster
   * (the bits live on other shards).
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
    const [reply] = await this.acks.write(
      script(
        'join-at-once',
        [key, queueKeys(concertId).meta],
        [
          field,
          Date.now(),
          PENDING_TIMEOUT_MS,
          `${this.keyPrefix}{q:${concertId}:`,
          SEGMENT_SIZE,
          window,
          seenTtlMs,
        ],
      ),
    );
    const [kind, number, epoch, gen] = reply as [string, number, number, string];
    if (kind === 'joined')
      return { kind, number: Number(number), epoch: Number(epoch), gen: Number(gen) };
    if (kind === 'closed' || kind === 'reserve') return takenOf(kind, number, epoch);
    return claimOf(kind, number);
  }

  async reclaim(concertId: number, userId: string, old: number): Promise<boolean> {
    const { key, field } = userEntry(concertId, userId);
    return (await send(this.redis, script('reclaim', [key], [field, old, Date.now()]))) === 1;
  }

  /** The user's entry names their number; with a replica, answered once it has it. */
  async settle(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    await this.acks.write({ name: 'hset', args: [key, field, number] });
  }

  /** The user's place ended: their entry says so (not taken for a loss later, ADR 0024). */
  async release(concertId: number, userId: string, number: number): Promise<void> {
    const { key, field } = userEntry(concertId, userId);
    await send(this.redis, script('release', [key], [field, number]));
  }

  /** A pass whose entry the store lost names its holder again; false if the entry says anything. */
  async restoreEntry(concertId: number, userId: string, number: number): Promise<boolean> {
    const { key, field } = userEntry(concertId, userId);
    return (await send(this.redis, script('restore-entry', [key], [field, number]))) === 1;
  }

  // --- numbers --------------------------------------------------------------------------------

  /**
   * The next number of the concert's counter, or what must happen first: the line opened or
   * rebuilt (`closed`), a block of numbers reserved in Postgres (`reserve`). With a replica,
   * answered once it has the counter.
   */
  async nextNumber(concertId: number): Promise<NumberTaken> {
    await this.concerts.registerQueued(concertId);
    const [reply] = await this.acks.write(script('next-number', [queueKeys(concertId).meta]));
    const [kind, number, epoch, gen] = reply as [string, number, number, string];
    if (kind === 'number')
      return { kind, number: Number(number), epoch: Number(epoch), gen: Number(gen) };
    return takenOf(kind, number, epoch);
  }

  /** Postgres reserved numbers up to `reserved` for this life of the line (false: not open). */
  async raiseReserved(concertId: number, epoch: number, reserved: number): Promise<boolean> {
    const meta = queueKeys(concertId).meta;
    return (await send(this.redis, script('raise-reserved', [meta], [epoch, reserved]))) === 1;
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
    const [head, epoch, retired, seq] = meta;
    const cohort = cohorts[0] ? parseCohort(cohorts[0]) : undefined;
    return {
      heldByUser: true,
      holder: 'this',
      alive: alive === 1,
      head: Number(head ?? 0),
      // A line that ended or that the store lost holds no place of any epoch.
      epoch: retired === null ? Number(epoch ?? 0) : 0,
      cohort: cohort && cohort.from <= number ? cohort : undefined,
      seq: Number(seq ?? 0),
      recovered: 0,
      presumed: 0,
      repairedAtMs: 0,
    };
  }

  /** An admitted fan left early: their slot goes to the next in line. */
  async freeSlot(concertId: number, number: number): Promise<void> {
    const keys = queueKeys(concertId);
    await send(
      this.redis,
      script('free-slot', [keys.meta, keys.cohorts, keys.cohortLeft], [number]),
    );
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
