import { env, type Logger, type ReadinessCheck, type StopList } from '@ticketing/platform';
import type { Request, RequestHandler } from 'express';
import Redis from 'ioredis';
import { requireActiveToken } from './middleware';
import { TokenSigner } from './token';

/** What a protected service reads to check queue tokens (the queue service reads the same). */
export const tokenCheckEnv = {
  REDIS_URL: env.url({ default: 'redis://127.0.0.1:6379', protocols: ['redis', 'rediss'] }),
  /** Must match the queue service's prefix: the token check reads its keys. */
  REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
  QUEUE_TOKEN_SECRET: env.string({ minLength: 32 }),
};

/**
 * A protected service's token check: a Redis client on the queue's keys, the signer and the
 * middleware. Registers the client to stop.
 */
export function openTokenCheck(
  kit: { logger: Logger; stops: StopList },
  config: { REDIS_URL: string; REDIS_KEY_PREFIX: string; QUEUE_TOKEN_SECRET: string },
  concertOf?: (req: Request) => number | undefined,
): { activeToken: RequestHandler; redis: Redis; readiness: Record<string, ReadinessCheck> } {
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
  redis.on('error', (err) => kit.logger.warn({ err: err.message }, 'redis connection error'));
  kit.stops.add('redis', () => redis.quit());
  return {
    redis,
    activeToken: requireActiveToken({
      redis,
      signer: new TokenSigner(config.QUEUE_TOKEN_SECRET),
      concertOf,
    }),
    readiness: { redis: () => redis.ping() },
  };
}
