import type { IncomingMessage } from 'node:http';
import type { QueueRedis } from '@ticketing/auth';
import type { Logger } from '@ticketing/platform';
import type { ClientIdentifier } from './clients';
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
 * Limits how fast one client may poll the queue and write (holds, joins, charges, payments), so
 * a bot cannot hammer them during a rush. Budgets are shared by every gateway instance (Redis).
 * If Redis cannot be reached the request goes through: the limiter protects the services, it
 * must not take them down with it.
 */
export class RateLimiter {
  private readonly limited: Counter;
  private readonly unavailable: Counter;

  constructor(
    private readonly redis: QueueRedis,
    private readonly budgets: Record<BudgetName, Budget>,
    private readonly clients: ClientIdentifier,
    private readonly options: { logger: Logger; metrics: Registry },
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
    const key = `gateway:rate:${budget}:${await this.clients.clientOf(req)}`;
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
