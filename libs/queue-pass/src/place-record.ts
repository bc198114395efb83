import type { RedisClient } from '@ticketing/platform';
import { offsetOf, placeOf, queueKeys, segmentKeys, segmentOf, userEntry } from './redis-layout';

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

/**
 * What the user index says of a number: it names it (`this`), names nothing for the user
 * (`none`: never held, or an entry a store lost; ADR 0024), or names something else (another
 * number, a place the user ended, a join in progress).
 */
export type Holder = 'this' | 'none' | 'other';

/**
 * What the store says of one place, read fresh: four reads, one round trip when pipelined (a
 * fifth, its bit again, only for an unset bit of a rebuilt line).
 */
export interface PlaceRecord {
  /**
   * The pass's user holds the number: the user index names it, or, for a number of a line's life
   * before a loss of the store (≤ `recovered`), names nothing for them (an entry the store lost:
   * numbers are never handed out twice, so the signed pass is the proof). A number handed out
   * since must be named: a pass re-signed for another user's number is refused.
   */
  heldByUser: boolean;
  holder: Holder;
  /** The number's bit in its segment: in line, or admitted and not gone. */
  alive: boolean;
  head: number;
  /** The epoch of the concert's queue state now (0: no state). */
  epoch: number;
  /** The admitted range that holds the number, if any. */
  cohort?: Cohort;
  /** The last number handed out. */
  seq: number;
  /** The line's last rebuild after a loss (ADR 0024): numbers up to `recovered` were of the
   * life before it, those up to `presumed` presumed in line again; 0 when never rebuilt. */
  recovered: number;
  presumed: number;
  repairedAtMs: number;
}

/** The user index's entry read as a holder of `number`. */
export const holderOf = (entry: string | null, number: number): Holder =>
  entry === null ? 'none' : Number(entry) === number ? 'this' : 'other';

/**
 * Whether a pass's user holds its number (`entry`: what the user index says for them). The index
 * names it; or the number is of the line's life before its store was lost (≤ `recovered`, ADR
 * 0024), where entries went with the store and the signed pass stands in for them: while the
 * index names nothing for the user, or only a place they took since (a join again after the loss
 * leaves the earlier place standing until it ends). A place the user ended (`x<number>`) or a
 * number handed out since that the index does not name is not held: a pass re-signed for
 * another user's number is refused.
 */
export function holds(entry: string | null, number: number, recovered: number): boolean {
  if (entry === String(number)) return true;
  if (number > recovered || entry === `x${number}`) return false;
  if (entry === null || entry.startsWith('p')) return true;
  return Number(entry.replace(/^x/, '')) > recovered;
}

/** Where a place stands, from its record. */
export type PlaceState =
  | { status: 'ACTIVE'; untilMs: number }
  | { status: 'WAITING'; numbersAhead: number }
  | { status: 'GONE' };

/**
 * The store has no line for the concert at all, not even one that ended: it lost its data, and
 * the queue is rebuilding the line (ADR 0024). A pass is then neither refused nor admitted: ask
 * again in a moment.
 */
export const REBUILDING = 'REBUILDING';

/**
 * Reads a pass's place as the store has it: who holds the number (the user index), whether it
 * is still alive, the head, and the admitted range holding it. The claims' token id names the
 * place; a token id of another concert or another life of the queue reads as no place.
 */
export async function readPlace(
  redis: RedisClient,
  claims: { userId: string; tokenId: string; concertId: number },
): Promise<PlaceRecord | undefined | typeof REBUILDING> {
  const place = placeOf(claims.tokenId);
  if (!place || place.concertId !== claims.concertId) return undefined;
  const keys = queueKeys(place.concertId);
  const user = userEntry(place.concertId, claims.userId);
  const aliveBit = () =>
    redis.getbit(
      segmentKeys(place.concertId, segmentOf(place.number)).alive,
      offsetOf(place.number),
    );
  const [entry, aliveFirstRead, meta, cohorts] = await Promise.all([
    redis.hget(user.key, user.field as unknown as string),
    aliveBit(),
    redis.hmget(
      keys.meta,
      'head',
      'epoch',
      'retired',
      'seq',
      'recovered',
      'presumed',
      'repairedAt',
    ),
    redis.zrangebyscore(keys.cohorts, place.number, '+inf', 'LIMIT', 0, 1),
  ]);
  if (meta[1] === null) return REBUILDING;
  const epoch = Number(meta[1]);
  if (epoch !== place.epoch || meta[2] !== null) return undefined;
  const cohort = cohorts[0] ? parseCohort(cohorts[0]) : undefined;
  const holder = holderOf(entry, place.number);
  const recovered = Number(meta[4] ?? 0);
  // A rebuild writes a line's bits, then opens it (open-line.lua), on other shards: a bit read
  // beside the counters may predate its restore while the counters already show the line open.
  // Read after them, it cannot. Only a rebuilt line's unset bit pays the second round trip.
  const alive =
    aliveFirstRead === 1 ||
    (recovered > 0 && place.number <= recovered && (await aliveBit()) === 1);
  return {
    heldByUser: holds(entry, place.number, recovered),
    holder,
    alive,
    head: Number(meta[0] ?? 0),
    epoch,
    cohort: cohort && cohort.from <= place.number ? cohort : undefined,
    seq: Number(meta[3] ?? 0),
    recovered,
    presumed: Number(meta[5] ?? 0),
    repairedAtMs: Number(meta[6] ?? 0),
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
  if (number > record.seq) return { status: 'GONE' }; // a number this life never handed out
  if (record.cohort)
    return record.cohort.untilMs > nowMs
      ? { status: 'ACTIVE', untilMs: record.cohort.untilMs }
      : { status: 'GONE' };
  if (number > record.head) return { status: 'WAITING', numbersAhead: number - record.head - 1 };
  return { status: 'GONE' };
}
