import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { RedisClient, Logger } from '@ticketing/platform';
import { PeriodicTask, loadLuaScripts } from '@ticketing/platform/process';
import type { ClientIdentifier } from './clients';
import { budgetOf, canonicalPath, type BudgetName } from './routes';
import type { Result } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    gatewayTake(...args: (string | number)[]): Result<[number, number, number], Context>;
    gatewayHeartbeat(...args: (string | number)[]): Result<number, Context>;
  }
}

/** The limiter's Lua scripts (`lua/` beside this file), loaded once when the process starts. */
const SCRIPTS = loadLuaScripts(path.join(__dirname, 'lua'), ['take', 'heartbeat']);

export interface Budget {
  perSecond: number;
  burst: number;
}

/**
 * What a request that spends a budget was told: how many more the client may send now
 * (`remaining`), in how many seconds its bucket is full again (`resetSeconds`), and, when it was
 * refused, when to try again (`waitSeconds`, then also `resetSeconds`).
 */
export interface Verdict {
  budget: BudgetName;
  remaining: number;
  resetSeconds: number;
  waitSeconds?: number;
}

/**
 * The budgets announced as the IETF draft's header fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "<budget>";q=<burst>;w=<seconds to refill it>` and
 * `RateLimit: "<budget>";r=<remaining>;t=<seconds>`. A token bucket is announced as its burst
 * over the time it takes to refill: a client that keeps to q per w is never refused.
 */
export function rateLimitHeaders(verdict: Verdict, budget: Budget): Record<string, string> {
  const window = Math.max(1, Math.ceil(budget.burst / budget.perSecond));
  return {
    'ratelimit-policy': `"${verdict.budget}";q=${budget.burst};w=${window}`,
    ratelimit: `"${verdict.budget}";r=${verdict.remaining};t=${verdict.resetSeconds}`,
  };
}

/**
 * Clients whose local share an instance remembers (about 150 bytes each): least recently used
 * ones are forgotten first (they start again with a full share). GATEWAY_RATE_LIMIT_CLIENTS.
 */
export const RATE_LIMIT_CLIENTS_DEFAULT = 200_000;
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
  private readonly local: LRUCache<string, LocalBucket>;
  /** Event streams open on this instance, per client. */
  private readonly streams = new Map<string, number>();
  private instances = 1;
  private readonly heartbeat: PeriodicTask;
  private readonly instanceId = randomUUID();

  constructor(
    private readonly redis: RedisClient,
    private readonly budgets: Record<BudgetName, Budget>,
    private readonly clients: ClientIdentifier,
    private readonly options: {
      logger: Logger;
      metrics: Registry;
      streamsPerClient: number;
      /** The most clients whose local share is remembered (RATE_LIMIT_CLIENTS_DEFAULT). */
      clientsRemembered?: number;
    },
  ) {
    this.local = new LRUCache({ max: options.clientsRemembered ?? RATE_LIMIT_CLIENTS_DEFAULT });
    redis.defineCommand('gatewayTake', { numberOfKeys: 1, lua: SCRIPTS.take });
    redis.defineCommand('gatewayHeartbeat', { numberOfKeys: 1, lua: SCRIPTS.heartbeat });
    this.heartbeat = new PeriodicTask('gateway heartbeat', () => this.beat(), options.logger);
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
    this.heartbeat.start(HEARTBEAT_MS);
  }

  stop(): Promise<void> {
    return this.heartbeat.stop();
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

  /** The budget's settings (what RateLimit-Policy announces). */
  budget(name: BudgetName): Budget {
    return this.budgets[name];
  }

  /**
   * Undefined when the request spends no budget; else the verdict, refused when it carries
   * `waitSeconds`. Within this instance's local share, `remaining` is what is left of that share
   * (a lower bound of the client's budget); beyond it, what the shared bucket holds.
   */
  async check(req: IncomingMessage, path: string): Promise<Verdict | undefined> {
    const budget = budgetOf(req.method ?? 'GET', canonicalPath(path));
    if (!budget) return undefined;
    const { perSecond, burst } = this.budgets[budget];
    const key = `gateway:rate:${budget}:${await this.clients.clientOf(req)}`;
    const { bucket, allowed: locally, share } = this.takeLocal(key, perSecond, burst);
    if (locally) return { budget, ...refillOf(bucket.tokens, share) };
    try {
      const [allowed, waitMs, left] = await this.redis.gatewayTake(
        key,
        perSecond,
        burst,
        bucket.unreported,
      );
      bucket.unreported = 0;
      const shared = refillOf(left, { rate: perSecond, burst });
      if (allowed === 1) return { budget, ...shared };
      this.limited.inc({ budget });
      const waitSeconds = Math.max(1, Math.ceil(waitMs / 1000));
      return { budget, remaining: 0, resetSeconds: waitSeconds, waitSeconds };
    } catch (err) {
      this.unavailable.inc();
      this.options.logger.warn(
        { err: (err as Error).message },
        'rate limit unavailable; let through',
      );
      return { budget, ...refillOf(0, { rate: perSecond, burst }) };
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

  /** This instance's share of a client's budget, and whether it allowed one more request. */
  private takeLocal(
    key: string,
    perSecond: number,
    burst: number,
  ): { bucket: LocalBucket; allowed: boolean; share: Share } {
    const now = Date.now();
    const share = { rate: perSecond / this.instances, burst: Math.max(1, burst / this.instances) };
    let bucket = this.local.get(key); // a hit makes the client the most recently used
    if (!bucket) {
      bucket = { tokens: share.burst, at: now, unreported: 0 };
      this.local.set(key, bucket);
    }
    // What refilled since is spend the shared bucket has refilled too: no longer owed to it.
    const refill = ((now - bucket.at) * share.rate) / 1000;
    bucket.tokens = Math.min(share.burst, bucket.tokens + refill);
    bucket.unreported = Math.max(0, bucket.unreported - refill);
    bucket.at = now;
    if (bucket.tokens < 1) return { bucket, allowed: false, share };
    bucket.tokens -= 1;
    bucket.unreported += 1;
    return { bucket, allowed: true, share };
  }
}

interface Share {
  rate: number;
  burst: number;
}

/** Whole requests left in a bucket, and the seconds until it is full again. */
function refillOf(tokens: number, bucket: Share): { remaining: number; resetSeconds: number } {
  const left = Math.max(0, tokens);
  return {
    remaining: Math.floor(left),
    resetSeconds: Math.max(0, Math.ceil((bucket.burst - left) / bucket.rate)),
  };
}
