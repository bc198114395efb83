import { createHash } from 'node:crypto';

/**
 * The queue's Redis layout (ADR 0015). A fan is a number of their concert's counter; what Redis
 * keeps per fan is a bit in their segment's `alive` bitmap, a bit per time window in `seen`
 * bitmaps, and one small entry in a user bucket (who holds which number). Keys carry three kinds
 * of hash tag, so a Redis Cluster spreads even one concert's crowd over its shards:
 * - `{q:<concert>}`: the concert's counters and admitted ranges (one slot per concert);
 * - `{q:<concert>:<segment>}`: the bitmaps of 4,096 consecutive numbers;
 * - `{q:<concert>:u<bucket>}`: one of 4,096 buckets of the user → number index.
 */
export function queueKeys(concertId: number) {
  const tag = `{q:${concertId}}`;
  return {
    /**
     * HASH: seq (last number handed out), reserved (numbers Postgres reserved: none above it is
     * handed out), head (every number ≤ head has had its turn), active (admitted and not yet
     * expired or gone), epoch (random, per life of the queue's state; the line is open while it
     * is there and `retired` is not), the admission token bucket (at, allowance), the settle
     * samples of the counter, and after a rebuild (ADR 0024) gen, recovered, presumed,
     * repairedAt.
     */
    meta: `${tag}:meta`,
    /** STRING: the instance opening or rebuilding the line holds it (SET NX PX). */
    opening: `${tag}:opening`,
    /** ZSET of admitted ranges: member "from:to:activeUntilMs", score = to. */
    cohorts: `${tag}:cohorts`,
    /** HASH cohort member → fans of it still active (their departures free a slot). */
    cohortLeft: `${tag}:cohort-left`,
    /**
     * HASH scheduleId → "schedRev|status|opensAtMs|totalSeats|seatsRev|available|held": what
     * the queue knows of each date of the concert (concert.events).
     */
    schedules: `${tag}:schedules`,
    /** HASH {soldOut: 0|1, opensAt: ms}: derived from `schedules` on every change. */
    sales: `${tag}:sales`,
    /** STRING: the instance sweeping idle fans of a window holds it (SET NX PX). */
    sweepLock: `${tag}:sweep-lock`,
    /**
     * HASH segment → departures so far (leaves, idle drops): a snapshot reads again only the
     * segments whose count moved since its last read.
     */
    changes: `${tag}:changes`,
    /** LIST: admission records not yet appended to the audit topic (the tick's outbox). */
    audit: `${tag}:audit`,
    /**
     * HASH {seq}: while a retirement is under way, the counter up to which the segments' bits are
     * still to be removed (they live on other hash slots, so not in the retiring script): an
     * instance stopped half-way leaves it, and the next retirement resumes from it.
     */
    retiring: `${tag}:retiring`,
  };
}

export type QueueKeys = ReturnType<typeof queueKeys>;

/** Numbers per segment: a segment's bitmaps are 512 bytes each. */
export const SEGMENT_SIZE = 4096;
/** Buckets of the user index: ~250 users per bucket at a million fans (a listpack hash). */
export const USER_BUCKETS = 4096;

export const segmentOf = (n: number) => Math.floor(n / SEGMENT_SIZE);
export const offsetOf = (n: number) => n % SEGMENT_SIZE;

/** The bitmaps of one segment of a concert's numbers. */
export function segmentKeys(concertId: number, segment: number) {
  const tag = `{q:${concertId}:${segment}}`;
  return {
    /** Bit set: the number is held by a fan still in line (or admitted and not gone). */
    alive: `${tag}:alive`,
    /** Bit set: the fan was seen (polled, listened) during time window `w`. */
    seen: (window: number) => `${tag}:seen:${window}`,
  };
}

/** One bucket of a concert's user index. */
export const userBucketKey = (concertId: number, bucket: number) =>
  `{q:${concertId}:u${bucket}}:users`;

/** A user's entry in the user index: its bucket key and its 8-byte field. */
export function userEntry(concertId: number, userId: string): { key: string; field: Buffer } {
  const digest = createHash('sha256').update(userId, 'utf8').digest();
  const bucket = digest.readUInt16BE(8) % USER_BUCKETS;
  return { key: userBucketKey(concertId, bucket), field: digest.subarray(0, 8) };
}

/** Where a pass's place is: concert, the life of the queue's state (epoch), number. */
export interface Place {
  concertId: number;
  epoch: number;
  number: number;
}

/**
 * The API's `tokenId` (a UUID) is the place itself, in a version-8 UUID: concert (32 bits),
 * epoch (24 bits), number (56 bits). Nothing is stored to map one to the other, and a token id
 * of an earlier life of a concert's queue (another epoch) never names a place of this one.
 */
export function tokenIdOf(place: Place): string {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(place.concertId, 0);
  b.writeUInt16BE(place.epoch >>> 8, 4);
  b[6] = 0x80;
  b[7] = place.epoch & 0xff;
  b[8] = 0x80;
  b.writeUIntBE(Math.floor(place.number / 2 ** 48), 9, 1);
  b.writeUIntBE(place.number % 2 ** 48, 10, 6);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The place a token id names, or undefined for a UUID that is not a queue place. */
export function placeOf(tokenId: string): Place | undefined {
  const hex = tokenId.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) return undefined;
  const b = Buffer.from(hex, 'hex');
  if (b[6] !== 0x80 || b[8] !== 0x80) return undefined;
  const concertId = b.readUInt32BE(0);
  const number = b.readUIntBE(9, 1) * 2 ** 48 + b.readUIntBE(10, 6);
  if (concertId === 0 || number === 0) return undefined;
  return { concertId, epoch: b.readUInt16BE(4) * 256 + b[7]!, number };
}

/** A fresh epoch for a concert's queue state (24 bits, never 0). */
export const newEpoch = () => 1 + Math.floor(Math.random() * (2 ** 24 - 1));

/**
 * The pub/sub channel on which the queue announces passes that ended early (left, or spent by a
 * payment): services that remember ACTIVE passes forget them at once. Channels are not under
 * ioredis' key prefix, so the environment's prefix is part of the name.
 */
export const revokedPassesChannel = (keyPrefix: string) => `${keyPrefix}queue:passes-revoked`;

/** SET of concert ids that have a queue (the admission tick walks it). */
export const QUEUED_CONCERTS_KEY = 'queue:concerts';
/** SET of concert ids known from concert.events (unknown concert → 404). */
export const KNOWN_CONCERTS_KEY = 'queue:known-concerts';
