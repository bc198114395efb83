/**
 * Redis keys of one concert's queue. They share the hash tag `{q:<concertId>}`, so a Redis
 * Cluster keeps a concert's queue on one shard and the Lua scripts can touch all of them.
 */
export function queueKeys(concertId: number) {
  const tag = `{q:${concertId}}`;
  return {
    /** INCR counter: arrival order (never clocks). */
    seq: `${tag}:seq`,
    /** ZSET tokenId → arrival number. Rank + 1 = position. */
    waiting: `${tag}:waiting`,
    /** ZSET tokenId → activation expiry (ms since epoch). */
    active: `${tag}:active`,
    /** ZSET tokenId → last poll (ms) of waiting tokens; idle ones lose their place. */
    seen: `${tag}:seen`,
    /** HASH tokenId → "<userId>|<jwt>". */
    tokens: `${tag}:tokens`,
    /** HASH userId → tokenId: one live token per user per concert. */
    users: `${tag}:users`,
    /** HASH {at, allowance}: the admission token bucket shared by every instance. */
    bucket: `${tag}:bucket`,
    /**
     * HASH scheduleId → "schedRev|status|opensAtMs|totalSeats|seatsRev|available|held": what
     * the queue knows of each date of the concert (concert.events).
     */
    schedules: `${tag}:schedules`,
    /** HASH {soldOut: 0|1, opensAt: ms}: derived from `schedules` on every change. */
    sales: `${tag}:sales`,
  };
}

export type QueueKeys = ReturnType<typeof queueKeys>;

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
