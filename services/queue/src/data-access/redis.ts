import type { RedisClient, RedisLogin, Logger } from '@ticketing/platform';
import { connectRedis, type StopList } from '@ticketing/platform/wiring';
import { JOIN_COMMANDS } from './scripts';

/** The queue's Redis connection (its keys under REDIS_KEY_PREFIX), closed at stop. */
export function openQueueRedis(
  kit: { logger: Logger; stops: StopList },
  config: RedisLogin & { REDIS_URL: string; REDIS_KEY_PREFIX: string },
): RedisClient {
  // One server, or a Redis Cluster when REDIS_URL lists its nodes (ADR 0015).
  const redis = connectRedis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    login: config,
    unpipelined: JOIN_COMMANDS,
  });
  redis.on('error', (err) => kit.logger.warn({ err: err.message }, 'redis connection error'));
  kit.stops.add('redis', () => redis.quit());
  return redis;
}
