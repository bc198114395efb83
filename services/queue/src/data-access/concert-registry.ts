import { KNOWN_CONCERTS_KEY, QUEUED_CONCERTS_KEY, queueKeys } from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import type { ConcertRegistry, DateOfConcert, SeatsOfDate } from '../domain/stores';
import { script, send } from './scripts';

/** What the queue knows of concerts: their dates and seats, which exist, which have a line. */
export class RedisConcertRegistry implements ConcertRegistry {
  private readonly knownConcerts = new Set<number>();
  private readonly registered = new Set<number>();

  constructor(private readonly redis: RedisClient) {}

  /** A date of the concert as concert.events describe it (kept if newer). */
  async applySchedule(s: DateOfConcert): Promise<void> {
    await this.applyToDate(s.concertId, [
      'schedule',
      s.scheduleId,
      s.revision,
      s.status,
      s.opensAtMs,
      s.totalSeats,
      s.closesAtMs,
    ]);
  }

  /** What is left of a date's seats (kept if newer). */
  async applySeats(s: SeatsOfDate): Promise<void> {
    await this.applyToDate(s.concertId, [
      'seats',
      s.scheduleId,
      s.seatsRevision,
      s.availableSeats,
      s.heldSeats,
    ]);
  }

  /** A date's news, kept if newer than what the concert's sales hold (apply-schedule.lua). */
  private async applyToDate(concertId: number, news: (string | number)[]): Promise<void> {
    const keys = queueKeys(concertId);
    await send(this.redis, script('apply-schedule', [keys.schedules, keys.sales], news));
  }

  queuedConcerts(): Promise<number[]> {
    return this.redis.smembers(QUEUED_CONCERTS_KEY).then((ids) => ids.map(Number));
  }

  /** The concert has a line: the admission loop ticks it. */
  async registerQueued(concertId: number): Promise<void> {
    if (!this.registered.has(concertId)) await this.requeue(concertId);
  }

  /** The concert has a line again (rebuilt after Redis lost the set with the rest). */
  async requeue(concertId: number): Promise<void> {
    await this.redis.sadd(QUEUED_CONCERTS_KEY, concertId);
    this.registered.add(concertId);
  }

  async forgetQueued(concertId: number): Promise<void> {
    await this.redis.srem(QUEUED_CONCERTS_KEY, concertId);
    this.registered.delete(concertId);
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
