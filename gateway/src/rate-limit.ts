import type { IncomingMessage } from 'node:http';
import type { Logger } from '@ticketing/platform';
import type Redis from 'ioredis';
import type { Result } from 'ioredis';
import { Counter, type Registry } from 'prom-client';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    gatewayTake(...args: (string | number)[]): Result<[number, number], Context>;
  }
}

/**
 * A token bucket per client and budget, in Redis so that every gateway instance spends the same
 * budget. KEYS: the bucket. ARGV: tokens per second, burst. Returns {allowed 0|1, retry after ms}.
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
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, wait}
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

/**
 * Who is calling, for the budget: the bearer token's `sub` (identity token or queue pass; not
 * verified here: a forged token spends a budget of its own and is refused by the service), else
 * the client's address (the first X-Forwarded-For hop when the gateway sits behind a trusted
 * load balancer).
 */
export function clientOf(req: IncomingMessage, trustForwardedFor: boolean): string {
  const auth = req.headers.authorization;
  const payload = auth?.startsWith('Bearer ') ? auth.slice(7).split('.')[1] : undefined;
  if (payload) {
    try {
      const sub = (
        JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }
      ).sub;
      if (typeof sub === 'string' && sub.length > 0 && sub.length <= 255) return `sub:${sub}`;
    } catch {
      // not a JWT: the address decides
    }
  }
  const forwarded = req.headers['x-forwarded-for'];
  const first = typeof forwarded === 'string' ? forwarded.split(',', 1)[0]!.trim() : undefined;
  return `ip:${trustForwardedFor && first ? first : (req.socket.remoteAddress ?? 'unknown')}`;
}

/**
 * Limits how fast one client may poll the queue and write (holds, joins, charges, payments), so
 * a bot cannot hammer them during a rush. Budgets are shared by every gateway instance (Redis).
 * If Redis cannot be reached the request goes through: the limiter protects the services, it
 * must not take them down with it.
 */
export class RateLimiter {
  private readonly limited: Counter;
  private readonly unavailable: Counter;

  constructor(
    private readonly redis: Redis,
    private readonly budgets: Record<BudgetName, Budget>,
    private readonly options: { trustForwardedFor: boolean; logger: Logger; metrics: Registry },
  ) {
    redis.defineCommand('gatewayTake', { numberOfKeys: 1, lua: TAKE });
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
  }

  /** Undefined when the request may go on; else how many seconds to wait. */
  async check(req: IncomingMessage, path: string): Promise<number | undefined> {
    const budget = budgetOf(req.method ?? 'GET', path);
    if (!budget) return undefined;
    const { perSecond, burst } = this.budgets[budget];
    const key = `gateway:rate:${budget}:${clientOf(req, this.options.trustForwardedFor)}`;
    try {
      const [allowed, waitMs] = await this.redis.gatewayTake(key, perSecond, burst);
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
}
