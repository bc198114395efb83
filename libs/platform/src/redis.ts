import { LOCAL_DEFAULTS } from '@ticketing/contracts';
import { env } from './config';
import { tracingEnabled } from './context';
import { secret } from './secrets';
import Redis, { Cluster } from 'ioredis';
import { z } from 'zod';

/** A single Redis or a Redis Cluster client: every key of this project works on both. */
export type RedisClient = Redis | Cluster;

const isRedisUrl = (v: string) => {
  try {
    return ['redis:', 'rediss:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
};

/**
 * REDIS_URL: one server (`redis://host:port`, `rediss://` for TLS), or the nodes of a Redis
 * Cluster as a comma-separated list (`redis://10.0.0.1:6379,redis://10.0.0.2:6379`): a list
 * means cluster mode, and the client learns the rest of the cluster from any node it reaches.
 */
export const redisUrlEnv = (fallback: string = LOCAL_DEFAULTS.redisUrl) =>
  env.from(
    z
      .string()
      .default(fallback)
      .refine(
        (v) => v.split(',').every((u) => isRedisUrl(u.trim())),
        'must be a redis:// or rediss:// URL, or a comma-separated list of them (a Redis Cluster)',
      ),
  );

/**
 * Redis and the ACL user this process logs in as (docs/operations.md, "Redis"): each service has
 * its own, allowed only its commands and keys. The password is a secret (from a Secret, never in
 * REDIS_URL in a manifest); production mode refuses to start without one.
 */
export const redisEnv = () => ({
  REDIS_URL: redisUrlEnv(),
  REDIS_USERNAME: env.optionalString(),
  REDIS_PASSWORD: secret(env.optionalString()),
});

/** The login a process gives Redis (none: the URL's, or the default user). */
export interface RedisLogin {
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
}

/** A client for REDIS_URL: a single Redis, or a Redis Cluster when it lists several nodes. */
export function connectRedis(
  url: string,
  options: {
    keyPrefix?: string;
    maxRetriesPerRequest?: number;
    lazyConnect?: boolean;
    login?: RedisLogin;
    /** Commands sent at once, never auto-pipelined (see `common` below). */
    unpipelined?: string[];
  } = {},
): RedisClient {
  const urls = url.split(',').map((u) => u.trim());
  const login = {
    ...(options.login?.REDIS_USERNAME && { username: options.login.REDIS_USERNAME }),
    ...(options.login?.REDIS_PASSWORD && { password: options.login.REDIS_PASSWORD }),
  };
  // An auto-pipeline sends the commands of one event-loop turn together, from a callback of the
  // caller that opened it: with tracing on, every command in it would be reported under that
  // caller's span, or not at all when it had none (an admission tick). A token expiry's Redis
  // calls went missing from its trace under load that way. Traced, each command goes out in its
  // own caller's context; untraced, they share round trips.
  // A command that is alone in its turn (a join: one script per request) pays for an auto-pipeline
  // (a pipeline object, its promises, a write deferred to the next tick) and shares nothing: its
  // caller names it in `unpipelined`.
  const common = {
    enableAutoPipelining: !tracingEnabled(),
    autoPipeliningIgnoredCommands: options.unpipelined ?? [],
    lazyConnect: options.lazyConnect,
  };
  if (urls.length === 1)
    return new Redis(urls[0]!, {
      ...common,
      ...login,
      keyPrefix: options.keyPrefix,
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    });
  const first = new URL(urls[0]!);
  return new Cluster(
    urls.map((u) => {
      const node = new URL(u);
      return { host: node.hostname, port: Number(node.port || 6379) };
    }),
    {
      ...common,
      keyPrefix: options.keyPrefix,
      // A command whose primary went away is tried again on the slots' new map every 200 ms,
      // up to 16 times: long enough for a replica to take over (seconds), so a failover makes
      // requests wait rather than fail (ADR 0024).
      retryDelayOnFailover: 200,
      // The slot map asked for every second, not every 5 s (ioredis' default): an auto-pipeline
      // of several slots that meets MOVED fails rather than follows it (ioredis retries one only
      // when every reply names the same slot), so after a failover the clients find the new
      // primary within a second of the election. Before it, MOVED is the failover's window
      // itself, which no client can shorten (docs/operations.md, "The waiting room when Redis
      // fails"). A CLUSTER SLOTS a second per client costs nothing beside a sale's traffic.
      slotsRefreshInterval: 1000,
      redisOptions: {
        maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
        ...(first.username && { username: decodeURIComponent(first.username) }),
        ...(first.password && { password: decodeURIComponent(first.password) }),
        ...(first.protocol === 'rediss:' && { tls: {} }),
        ...login,
      },
    },
  );
}
