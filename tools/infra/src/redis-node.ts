import Redis from 'ioredis';

/**
 * One short-lived connection to a local Redis node by port, for the tools that start and watch
 * Redis Clusters (redis-cluster.ts, redis-ha.ts): no retries, so a node that is down answers
 * at once with an error instead of being waited for.
 */
export async function withRedisNode<T>(
  port: number,
  use: (redis: Redis) => Promise<T>,
): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** The node answers PING. */
export const redisNodeAnswers = (port: number) =>
  withRedisNode(port, async (r) => (await r.ping()) === 'PONG');

/** The node sees its cluster as whole (`cluster_state:ok`). */
export const redisClusterOk = (port: number) =>
  withRedisNode(port, async (r) => String(await r.cluster('INFO')).includes('cluster_state:ok'));
