import type { QueueRedis } from '@ticketing/auth';
import type { Logger, StopList } from '@ticketing/platform';
import Redis from 'ioredis';

/** The queue's Redis connection (its keys under REDIS_KEY_PREFIX), closed at stop. */
export function openQueueRedis(
  kit: { logger: Logger; stops: StopList },
  config: { REDIS_URL: string; REDIS_KEY_PREFIX: string },
): QueueRedis {
  const redis = new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: true,
  });
  redis.on('error', (err) => kit.logger.warn({ err: err.message }, 'redis connection error'));
  kit.stops.add('redis', () => redis.quit());
  return redis;
}
