import { createHash } from 'node:crypto';

/** Who talks to Redis, each as an ACL user of its own (docs/operations.md, "Redis"). */
export const REDIS_PRINCIPALS = ['queue', 'gateway', 'concert', 'reservation', 'payment'] as const;
export type RedisPrincipal = (typeof REDIS_PRINCIPALS)[number];

// Every client: the connection's own commands (ioredis' ready check is INFO; a cluster client's,
// CLUSTER INFO), and a cluster's map.
const CONNECTION = ['ping', 'info', 'quit', 'cluster|slots', 'cluster|info'];
// Scripts run through EVALSHA; a pipeline (auto-pipelining) checks and loads them first.
const SCRIPTS = ['evalsha', 'eval', 'script|load', 'script|exists'];

/**
 * The commands each one sends, its own scripts' included (Redis checks a script's calls against
 * the caller's ACL too): nothing else, and only on its own keys and channel.
 */
const COMMANDS: Record<'queue' | 'gateway' | 'passes', string[]> = {
  queue: [
    ...SCRIPTS,
    // wait: writes a failover must keep are answered once a replica has them (ADR 0024).
    ...['time', 'exists', 'unlink', 'get', 'set', 'pexpire', 'getbit', 'setbit', 'bitfield'],
    ...['bitop', 'wait'],
    ...['hget', 'hmget', 'hgetall', 'hvals', 'hset', 'hsetnx', 'hdel', 'hincrby', 'hincrbyfloat'],
    ...['sadd', 'srem', 'sismember', 'smembers'],
    ...['zadd', 'zrem', 'zrange', 'zrangebyscore'],
    ...['xadd', 'xrange', 'xrevrange', 'publish'],
  ],
  gateway: [...SCRIPTS, 'time', 'hmget', 'hset', 'pexpire', 'zadd', 'zremrangebyscore', 'zcard'],
  // The booking services read a pass's place and hear of passes that ended early.
  passes: ['hget', 'hmget', 'getbit', 'zrangebyscore', 'subscribe', 'unsubscribe'],
};

/** A glob that matches `text` literally (a key prefix may hold glob characters). */
const literal = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * The ACL rules of one principal (after its `on` and password): its commands, its key patterns
 * (under the environment's key prefix), its pub/sub channel. The booking services may only read
 * the queue's keys (`%R~`).
 */
export function redisAclRules(principal: RedisPrincipal, keyPrefix = ''): string[] {
  const p = literal(keyPrefix);
  const channel = `&${p}queue:passes-revoked`;
  const kind = principal === 'queue' || principal === 'gateway' ? principal : 'passes';
  const keys = {
    queue: [`~${p}{q:*`, `~${p}queue:*`],
    gateway: [`~${p}gateway:*`],
    passes: [`%R~${p}{q:*`],
  }[kind];
  const channels = kind === 'gateway' ? [] : [channel];
  return [
    'resetkeys',
    ...keys,
    'resetchannels',
    ...channels,
    '-@all',
    ...[...CONNECTION, ...COMMANDS[kind]].map((c) => `+${c}`),
  ];
}

/** The arguments of `ACL SETUSER` that make (or remake) a principal's user. */
export function redisAclSetUser(
  principal: RedisPrincipal,
  user: { username: string; password: string; keyPrefix?: string },
): string[] {
  return [
    user.username,
    'reset',
    'on',
    `>${user.password}`,
    ...redisAclRules(principal, user.keyPrefix),
  ];
}

/**
 * A principal's line of an ACL file (`aclfile`, or a managed Redis' user list): the password
 * only as its SHA-256, so the file holds no credential.
 */
export function redisAclFileLine(
  principal: RedisPrincipal,
  user: { username: string; password: string; keyPrefix?: string },
): string {
  const hash = createHash('sha256').update(user.password).digest('hex');
  return [
    'user',
    user.username,
    'on',
    `#${hash}`,
    ...redisAclRules(principal, user.keyPrefix),
  ].join(' ');
}
