import Redis from 'ioredis';

/**
 * One short-lived connection to a Redis node — a local port, or a `redis://` URL — for the tools
 * that look for, start and watch Redis (redis.ts, local-redis.ts, redis-cluster.ts): no retries, so
 * a node that is down answers at once with an error instead of being waited for.
 */
export async function withRedisNode<T>(
  node: number | string,
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  const options = {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  };
  const redis =
    typeof node === 'number' ? new Redis(node, '127.0.0.1', options) : new Redis(node, options);
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** The node answers PING (an error when it cannot be reached). */
export const redisNodeAnswers = (node: number | string) =>
  withRedisNode(node, async (r) => (await r.ping()) === 'PONG');

/** The node sees its cluster as whole (`cluster_state:ok`). */
export const redisClusterOk = (port: number) =>
  withRedisNode(port, async (r) => String(await r.cluster('INFO')).includes('cluster_state:ok'));
