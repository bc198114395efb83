import { randomBytes } from 'node:crypto';
import {
  REDIS_PRINCIPALS,
  redisAclSetUser,
  type RedisLogin,
  type RedisPrincipal,
} from '@ticketing/platform';
import Redis from 'ioredis';

export type RedisLogins = Record<RedisPrincipal, Required<RedisLogin>>;

/**
 * `npm start`: each service logs in to the local Redis as its own ACL user, as deployed, with a
 * password made for this run. Undefined when this Redis does not let us make users (a Redis of
 * someone else's with a login of its own): the services then use REDIS_URL's login.
 */
export async function provisionRedisUsers(
  url: string,
  keyPrefix: string,
): Promise<RedisLogins | undefined> {
  const logins = Object.fromEntries(
    REDIS_PRINCIPALS.map((p) => [
      p,
      { REDIS_USERNAME: `ticketing-${p}`, REDIS_PASSWORD: randomBytes(24).toString('base64url') },
    ]),
  ) as RedisLogins;
  try {
    await setRedisUsers(url, logins, keyPrefix);
  } catch {
    return undefined;
  }
  return logins;
}

/**
 * Makes (or remakes) each principal's ACL user with the deployment's rules (redisAclSetUser) on
 * every node REDIS_URL lists: a Redis Cluster's nodes each keep their own users (ACL users are not
 * replicated, and a replica that takes over must know them).
 */
export async function setRedisUsers(
  url: string,
  logins: RedisLogins,
  keyPrefix: string,
): Promise<void> {
  for (const node of url.split(',').map((u) => u.trim())) {
    const admin = new Redis(node, { lazyConnect: true, maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
    try {
      for (const p of REDIS_PRINCIPALS) {
        const { REDIS_USERNAME: username, REDIS_PASSWORD: password } = logins[p];
        await admin.call(
          'ACL',
          'SETUSER',
          ...redisAclSetUser(p, { username, password, keyPrefix }),
        );
      }
    } finally {
      admin.disconnect();
    }
  }
}
