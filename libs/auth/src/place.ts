import type { Redis, Cluster } from 'ioredis';
import { offsetOf, placeOf, queueKeys, segmentKeys, segmentOf, userEntry } from './keys';

/** Either a single Redis or a Redis Cluster client: the queue's keys work on both. */
export type QueueRedis = Redis | Cluster;

/** An admitted range of numbers and until when its fans are ACTIVE. */
export interface Cohort {
  from: number;
  to: number;
  untilMs: number;
}

export const parseCohort = (member: string): Cohort => {
  const [from, to, until] = member.split(':').map(Number);
  return { from: from!, to: to!, untilMs: until! };
};

export const cohortMember = (c: Cohort) => `${c.from}:${c.to}:${c.untilMs}`;

/** What the store says of one place, read fresh (four reads, one round trip when pipelined). */
export interface PlaceRecord {
  /** The user index names this user as the holder of this number. */
  heldByUser: boolean;
  /** The number's bit in its segment: in line, or admitted and not gone. */
  alive: boolean;
  head: number;
  /** The epoch of the concert's queue state now (0: no state). */
  epoch: number;
  /** The admitted range that holds the number, if any. */
  cohort?: Cohort;
}

/** Where a place stands, from its record. */
export type PlaceState =
  | { status: 'ACTIVE'; untilMs: number }
  | { status: 'WAITING'; numbersAhead: number }
  | { status: 'GONE' };

/**
 * Reads a pass's place as the store has it: who holds the number (the user index), whether it
 * is still alive, the head, and the admitted range holding it. The claims' token id names the
 * place; a token id of another concert or another life of the queue reads as no place.
 */
export async function readPlace(
  redis: QueueRedis,
  claims: { userId: string; tokenId: string; concertId: number },
): Promise<PlaceRecord | undefined> {
  const place = placeOf(claims.tokenId);
  if (!place || place.concertId !== claims.concertId) return undefined;
  const keys = queueKeys(place.concertId);
  const user = userEntry(place.concertId, claims.userId);
  const [holder, alive, meta, cohorts] = await Promise.all([
    redis.hget(user.key, user.field as unknown as string),
    redis.getbit(
      segmentKeys(place.concertId, segmentOf(place.number)).alive,
      offsetOf(place.number),
    ),
    redis.hmget(keys.meta, 'head', 'epoch'),
    redis.zrangebyscore(keys.cohorts, place.number, '+inf', 'LIMIT', 0, 1),
  ]);
  const epoch = Number(meta[1] ?? 0);
  if (epoch !== place.epoch) return undefined;
  const cohort = cohorts[0] ? parseCohort(cohorts[0]) : undefined;
  return {
    heldByUser: holder !== null && Number(holder) === place.number,
    alive: alive === 1,
    head: Number(meta[0] ?? 0),
    epoch,
    cohort: cohort && cohort.from <= place.number ? cohort : undefined,
  };
}

/**
 * A place's state: ACTIVE inside an admitted range until the range's activation ends, WAITING
 * behind the head, GONE otherwise (left, dropped as idle, skipped, expired, spent, or a pass
 * for a number another user holds).
 */
export function stateOfPlace(
  record: PlaceRecord | undefined,
  number: number,
  nowMs: number,
): PlaceState {
  if (!record || !record.heldByUser || !record.alive) return { status: 'GONE' };
  if (record.cohort)
    return record.cohort.untilMs > nowMs
      ? { status: 'ACTIVE', untilMs: record.cohort.untilMs }
      : { status: 'GONE' };
  if (number > record.head) return { status: 'WAITING', numbersAhead: number - record.head - 1 };
  return { status: 'GONE' };
}
