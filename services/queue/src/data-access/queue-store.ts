import {
  KNOWN_CONCERTS_KEY,
  QUEUED_CONCERTS_KEY,
  queueKeys,
  revokedPassesChannel,
} from '@ticketing/auth';
import type { Logger, StopList } from '@ticketing/platform';
import Redis, { type Result } from 'ioredis';
import { ADMIT, APPLY_SCHEDULE, ISSUE, REMOVE, TOUCH } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    queueIssue(
      ...args: (string | number)[]
    ): Result<[string, string, string, number, number, number], Context>;
    queueTouch(...args: (string | number)[]): Result<[string, number, number], Context>;
    queueRemove(...args: (string | number)[]): Result<number, Context>;
    queueAdmit(
      ...args: (string | number)[]
    ): Result<[number, number, number, number, number], Context>;
    queueApplySchedule(...args: (string | number)[]): Result<number, Context>;
  }
}

/** Where a token stands in its concert's queue, as Redis says. */
export type TokenState =
  | { status: 'WAITING' | 'SOLD_OUT'; position: number; expiresAtMs: number }
  | { status: 'ACTIVE'; expiresAtMs: number }
  | { status: 'GONE' };

export interface IssuedToken {
  tokenId: string;
  jwt: string;
  state: Exclude<TokenState, { status: 'GONE' }>;
  created: boolean;
}

export interface AdmitResult {
  admitted: number;
  expired: number;
  idled: number;
  active: number;
  waiting: number;
}

const toState = (status: string, position: number, expiresAtMs: number): TokenState =>
  status === 'ACTIVE'
    ? { status: 'ACTIVE', expiresAtMs }
    : status === 'WAITING' || status === 'SOLD_OUT'
      ? { status, position, expiresAtMs }
      : { status: 'GONE' };

/** The queue's Redis data, through atomic scripts only. */
export class QueueStore {
  private readonly knownConcerts = new Set<number>();
  private readonly registered = new Set<number>();

  constructor(private readonly redis: Redis) {
    redis.defineCommand('queueIssue', { numberOfKeys: 7, lua: ISSUE });
    redis.defineCommand('queueTouch', { numberOfKeys: 6, lua: TOUCH });
    redis.defineCommand('queueRemove', { numberOfKeys: 5, lua: REMOVE });
    redis.defineCommand('queueAdmit', { numberOfKeys: 7, lua: ADMIT });
    redis.defineCommand('queueApplySchedule', { numberOfKeys: 2, lua: APPLY_SCHEDULE });
  }

  private base(concertId: number): string[] {
    const k = queueKeys(concertId);
    return [k.waiting, k.active, k.seen, k.tokens, k.users];
  }

  async issue(
    concertId: number,
    userId: string,
    tokenId: string,
    jwt: string,
    idleMs: number,
  ): Promise<IssuedToken> {
    await this.register(concertId);
    const [id, storedJwt, status, position, expiresAtMs, created] = await this.redis.queueIssue(
      ...this.base(concertId),
      queueKeys(concertId).seq,
      queueKeys(concertId).sales,
      userId,
      tokenId,
      jwt,
      idleMs,
    );
    return {
      tokenId: id,
      jwt: storedJwt,
      state: toState(status, Number(position), Number(expiresAtMs)) as IssuedToken['state'],
      created: Number(created) === 1,
    };
  }

  async touch(concertId: number, tokenId: string, idleMs: number): Promise<TokenState> {
    const [status, position, expiresAtMs] = await this.redis.queueTouch(
      ...this.base(concertId),
      queueKeys(concertId).sales,
      tokenId,
      idleMs,
    );
    return toState(status, Number(position), Number(expiresAtMs));
  }

  /** Touches many tokens in one round trip (SSE refresh). */
  async touchMany(
    tokens: { concertId: number; tokenId: string }[],
    idleMs: number,
  ): Promise<TokenState[]> {
    const pipeline = this.redis.pipeline();
    for (const t of tokens)
      pipeline.queueTouch(
        ...this.base(t.concertId),
        queueKeys(t.concertId).sales,
        t.tokenId,
        idleMs,
      );
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      const [status, position, expiresAtMs] = reply as [string, number, number];
      return toState(status, Number(position), Number(expiresAtMs));
    });
  }

  async remove(concertId: number, tokenId: string): Promise<boolean> {
    const channel = revokedPassesChannel(this.redis.options.keyPrefix ?? '');
    return (await this.redis.queueRemove(...this.base(concertId), tokenId, channel)) === 1;
  }

  async admit(
    concertId: number,
    settings: { admitPerSecond: number; maxActive: number; activeTtlMs: number; idleMs: number },
  ): Promise<AdmitResult> {
    const [admitted, expired, idled, active, waiting] = await this.redis.queueAdmit(
      ...this.base(concertId),
      queueKeys(concertId).bucket,
      queueKeys(concertId).sales,
      settings.admitPerSecond,
      settings.maxActive,
      settings.activeTtlMs,
      settings.idleMs,
      1000,
    );
    return { admitted, expired, idled, active, waiting };
  }

  /** A date of the concert as concert.events describe it (kept if newer). */
  async applySchedule(s: {
    concertId: number;
    scheduleId: number;
    revision: number;
    status: string;
    opensAtMs: number;
    totalSeats: number;
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

/** The queue's Redis connection (its keys under REDIS_KEY_PREFIX), closed at stop. */
export function openQueueRedis(
  kit: { logger: Logger; stops: StopList },
  config: { REDIS_URL: string; REDIS_KEY_PREFIX: string },
): Redis {
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
  redis.on('error', (err) => kit.logger.warn({ err: err.message }, 'redis connection error'));
  kit.stops.add('redis', () => redis.quit());
  return redis;
}
