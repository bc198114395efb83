import { randomBytes } from 'node:crypto';
import { setRedisUsers } from '@ticketing/infra';
import { REDIS_PRINCIPALS, type RedisLogin, type RedisPrincipal } from '@ticketing/platform';
import Redis from 'ioredis';
import { randomSuffix } from './ids';

export interface RedisUsers {
  /** A principal's login: REDIS_USERNAME and REDIS_PASSWORD. */
  login(principal: RedisPrincipal): Required<RedisLogin>;
  /** Removes the users (a test's end). */
  drop(): Promise<void>;
}

/**
 * One ACL user per principal, with the rules the deployment gives them (redisAclRules) for this
 * test's key prefix, and a random name and password: services a test starts log in as these, so
 * every test proves the rules are enough, and a test can show another principal's are not. On a
 * Redis Cluster (REDIS_URL lists its nodes) every node gets them: ACL users are not replicated,
 * and a replica that takes over must know them.
 */
export async function createRedisUsers(redisUrl: string, keyPrefix: string): Promise<RedisUsers> {
  const suffix = randomSuffix();
  const logins = Object.fromEntries(
    REDIS_PRINCIPALS.map((p) => [
      p,
      { REDIS_USERNAME: `${p}-${suffix}`, REDIS_PASSWORD: randomBytes(24).toString('base64url') },
    ]),
  ) as Record<RedisPrincipal, Required<RedisLogin>>;
  await setRedisUsers(redisUrl, logins, keyPrefix);
  const nodes = redisUrl.split(',').map((u) => u.trim());
  return {
    login: (p) => logins[p],
    drop: async () => {
      for (const node of nodes) {
        const client = new Redis(node, { lazyConnect: true, maxRetriesPerRequest: 1 });
        client.on('error', () => undefined);
        try {
          await client
            .call('ACL', 'DELUSER', ...Object.values(logins).map((l) => l.REDIS_USERNAME))
            .catch((err: unknown) => {
              // A cluster's node a test killed keeps nothing to remove; one Redis must answer.
              if (nodes.length === 1) throw err;
            });
        } finally {
          client.disconnect();
        }
      }
    },
  };
}
