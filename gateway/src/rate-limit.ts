import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { QueueRedis } from '@ticketing/auth';
import type { Logger } from '@ticketing/platform';
import type { ClientIdentifier } from './clients';
import { canonicalPath } from './routes';
import type { Result } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    gatewayTake(...args: (string | number)[]): Result<[number, number], Context>;
    gatewayHeartbeat(...args: (string | number)[]): Result<number, Context>;
  }
}

/**
 * A token bucket per client and budget, in Redis so that every gateway instance spends the same
 * budget. KEYS: the bucket. ARGV: tokens per second, burst, tokens spent before (by this
 * instance, from its local share, not yet charged here). Returns {allowed 0|1, retry after ms}.
 * Time comes from Redis: one clock for every instance.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
tokens = math.max(-burst, tokens - tonumber(ARGV[3] or '0'))
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * burst / rate) + 1000)
return {allowed, wait}
`;

/** Gateway instances alive: each beats every interval; a beat older than three has left. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3 * tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], 3 * tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
`;

export interface Budget {
  perSecond: number;
  burst: number;
}

export type BudgetName = 'poll' | 'write';

/** Which budget a request spends: polling the queue, or changing something; reads are free. */
export function budgetOf(method: string, path: string): BudgetName | undefined {
  if (method === 'GET' || method === 'HEAD')
    return path === '/queue/tokens/me' || path === '/queue/tokens/me/events' ? 'poll' : undefined;
  return method === 'OPTIONS' ? undefined : 'write';
}

// Clients whose local share this instance remembers (a few dozen bytes each): least recently
// used ones are forgotten first (they start again with a full share).
const LOCAL_CLIENTS_MAX = 200_000;
const HEARTBEAT_MS = 1000;

interface LocalBucket {
  tokens: number;
  at: number;
  /** Spent from the local share, not refilled yet, and not charged to the shared bucket. */
  unreported: number;
}

/**
 * Limits how fast one client may poll the queue and write (holds, joins, charges, payments), so
 * a bot cannot hammer them during a rush (ADR 0015 for polls).
 * - Each budget (polls, writes) is a bucket in Redis shared by every gateway instance.
 * - A request spends first a local share of it (budget ÷ the gateway instances alive, learnt
 *   from one heartbeat per second): a fan polling at its Retry-After pace, or writing within its
 *   budget, never costs a Redis command. A client that empties its local share is charged to
 *   the shared bucket, with what it spent locally before: together the instances never allow
 *   more than the budget, however a client spreads its requests.
 * If Redis cannot be reached the request goes through: the limiter protects the services, it
 * must not take them down with it.
 */
export class RateLimiter {
  private readonly limited: Counter;
  private readonly unavailable: Counter;
  private readonly alive: Gauge;
  private readonly local = new Map<string, LocalBucket>();
  /** Event streams open on this instance, per client. */
  private readonly streams = new Map<string, number>();
  private instances = 1;
  private heartbeat?: NodeJS.Timeout;
  private readonly instanceId = randomUUID();

  constructor(
    private readonly redis: QueueRedis,
    private readonly budgets: Record<BudgetName, Budget>,
    private readonly clients: ClientIdentifier,
    private readonly options: { logger: Logger; metrics: Registry; streamsPerClient: number },
  ) {
    redis.defineCommand('gatewayTake', { numberOfKeys: 1, lua: TAKE });
    redis.defineCommand('gatewayHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    this.limited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429, by budget',
      labelNames: ['budget'],
      registers: [options.metrics],
    });
    this.unavailable = new Counter({
      name: 'gateway_rate_limit_unavailable_total',
      help: 'Requests let through because the budgets (Redis) could not be reached',
      registers: [options.metrics],
    });
    this.alive = new Gauge({
      name: 'gateway_instances',
      help: 'Gateway instances sharing the budgets (each polls from its share of them)',
      registers: [options.metrics],
    });
  }

  /** Joins the instances sharing the budgets (the first beat before the first request). */
  async start(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  stop(): void {
    clearInterval(this.heartbeat);
  }

  private async beat(): Promise<void> {
    try {
      const alive = await this.redis.gatewayHeartbeat(
        'gateway:instances',
        this.instanceId,
        HEARTBEAT_MS,
      );
      this.instances = Math.max(1, Number(alive));
      this.alive.set(this.instances);
    } catch (err) {
      this.options.logger.debug({ err: (err as Error).message }, 'gateway heartbeat failed');
    }
  }

  /** The seal on the identity `check` verified for this request (ADR 0019), if any. */
  identityProofOf(req: IncomingMessage): string | undefined {
    return this.clients.proofOf(req);
  }

  /** Undefined when the request may go on; else how many seconds to wait. */
  async check(req: IncomingMessage, path: string): Promise<number | undefined> {
    const budget = budgetOf(req.method ?? 'GET', canonicalPath(path));
    if (!budget) return undefined;
    const { perSecond, burst } = this.budgets[budget];
    const key = `gateway:rate:${budget}:${await this.clients.clientOf(req)}`;
    const bucket = this.takeLocal(key, perSecond, burst);
    if (bucket === 'allowed') return undefined;
    try {
      const [allowed, waitMs] = await this.redis.gatewayTake(
        key,
        perSecond,
        burst,
        bucket.unreported,
      );
      bucket.unreported = 0;
      if (allowed === 1) return undefined;
      this.limited.inc({ budget });
      return Math.max(1, Math.ceil(waitMs / 1000));
    } catch (err) {
      this.unavailable.inc();
      this.options.logger.warn(
        { err: (err as Error).message },
        'rate limit unavailable; let through',
      );
      return undefined;
    }
  }

  /**
   * A place for one more open event stream of this request's client on this instance (a stream
   * holds two sockets here for as long as the fan listens): the function that gives it back when
   * the stream ends, or undefined when the client already holds `streamsPerClient`.
   */
  async streamSlot(req: IncomingMessage): Promise<(() => void) | undefined> {
    const key = await this.clients.clientOf(req);
    const open = this.streams.get(key) ?? 0;
    if (open >= this.options.streamsPerClient) {
      this.limited.inc({ budget: 'streams' });
      return undefined;
    }
    this.streams.set(key, open + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.streams.get(key) ?? 1) - 1;
      if (left > 0) this.streams.set(key, left);
      else this.streams.delete(key);
    };
  }

  /** This instance's share of a client's budget: 'allowed', or the bucket that ran out. */
  private takeLocal(key: string, perSecond: number, burst: number): 'allowed' | LocalBucket {
    const now = Date.now();
    const share = { rate: perSecond / this.instances, burst: Math.max(1, burst / this.instances) };
    let bucket = this.local.get(key);
    if (bucket)
      this.local.delete(key); // re-inserted below: the map's order is recency
    else {
      bucket = { tokens: share.burst, at: now, unreported: 0 };
      if (this.local.size >= LOCAL_CLIENTS_MAX) this.local.delete(this.local.keys().next().value!);
    }
    this.local.set(key, bucket);
    // What refilled since is spend the shared bucket has refilled too: no longer owed to it.
    const refill = ((now - bucket.at) * share.rate) / 1000;
    bucket.tokens = Math.min(share.burst, bucket.tokens + refill);
    bucket.unreported = Math.max(0, bucket.unreported - refill);
    bucket.at = now;
    if (bucket.tokens < 1) return bucket;
    bucket.tokens -= 1;
    bucket.unreported += 1;
    return 'allowed';
  }
}
