import {
  Deployment,
  FILE_KEY_PREFIX,
  createRedisUsers,
  fileTopics,
  infraEnv,
  randomSuffix,
  serviceUnderTest,
  testInfra,
  testPassKeys,
  uuid,
  type RedisUsers,
} from '@ticketing/testing';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { OutgoingMessage } from '@ticketing/messaging';
import type { ServiceHandle } from '@ticketing/platform';
import { PassVerifier, TokenSigner } from '@ticketing/queue-pass';
import { startConcert } from '../../concert/test/harness';
import { loadServiceConfig } from '../src/config';
import { start } from '../src/start';

// The queue instances of a test file, its deployment's database and topics, and the real
// catalog beside it; the queue's ports on their state are queue-ports.ts.

/** The queue's pass keys in this test process: its signer, and a verifier of its public key. */
export const passSigner = () => new TokenSigner(testPassKeys().signingKey);
export const passVerifier = () => new PassVerifier(JSON.parse(testPassKeys().publicKeys));

/** Each test file gets its own key namespace: no other file's instances tick its queues. */
export const KEY_PREFIX = FILE_KEY_PREFIX;
/** This test file's own topics: other files' queue deployments never answer its commands. */
export const topicNamespace = fileTopics;

const redisUsers = new Map<string, Promise<RedisUsers>>();
/** Redis ACL users with the deployment's rules for a key prefix of this file, made once. */
export function testRedisUsers(keyPrefix = KEY_PREFIX): Promise<RedisUsers> {
  let users = redisUsers.get(keyPrefix);
  if (!users)
    redisUsers.set(keyPrefix, (users = createRedisUsers(testInfra().redisUrl, keyPrefix)));
  return users;
}
afterAll(async () => {
  for (const users of redisUsers.values()) await (await users).drop();
});

/**
 * Where the queue asks for a concert its copy of the catalog misses: nothing answers there (a
 * refused connection: 503), unless a test starts the real concert service (`startCatalog`).
 */
export const NO_CATALOG = 'http://127.0.0.1:1';

/** The variables of this file's queue instances, before a test's own overrides. */
const queueEnvironment = async (overrides: Record<string, string>) => ({
  CONCERT_URLS: NO_CATALOG,
  DB_POOL_MAX: '2',
  // Another Redis (a cluster) has no such users: the default login there.
  ...(!overrides.REDIS_URL &&
    (await testRedisUsers(overrides.REDIS_KEY_PREFIX ?? KEY_PREFIX)).login('queue')),
  KAFKA_CONSUMER_GROUP: `queue-test-${randomSuffix()}`,
  QUEUE_TICK_MS: '50',
  QUEUE_SSE_INTERVAL_MS: '100',
  LOG_LEVEL: 'warn',
});

const queue = serviceUnderTest('queue', loadServiceConfig, start, {
  environment: queueEnvironment,
});
let deployment: Promise<Deployment<ServiceHandle>> | undefined;

/**
 * Starts the real queue service in-process on port 0 with the given overrides. It logs in to
 * Redis as the queue's ACL user, so every queue test also proves those rules are enough.
 */
export async function startQueue(overrides: Record<string, string> = {}): Promise<ServiceHandle> {
  const instance = await (await (deployment ??= Deployment.of(queue))).startInstance(overrides);
  startedWith.set(instance, overrides);
  return instance;
}

/** The overrides each instance of this file was started with: where its state is. */
const startedWith = new WeakMap<ServiceHandle, Record<string, string>>();

/**
 * The real concert service (its own database, topics and keys), for a queue that asks the
 * catalog for a concert it misses: give its `url` as CONCERT_URLS.
 */
export async function startCatalog(env: Record<string, string> = {}) {
  const catalog = await startConcert(env);
  return { ...catalog, url: catalog.service.url };
}

export type Catalog = Awaited<ReturnType<typeof startCatalog>>;

/** A concert put in the real catalog now, with one date (50 seats) on sale now or from `salesOpenAt`. */
export async function concertInCatalog(catalog: Catalog, salesOpenAt?: Date): Promise<number> {
  const { concertId } = await catalog.service.catalog.createConcert({
    title: `Show ${uuid()}`,
    artist: 'Test',
    venue: 'Hall',
  });
  await catalog.service.catalog.publishSchedule(concertId, {
    startsAt: new Date(Date.now() + 20 * 86_400_000),
    price: 1000,
    seats: 50,
    salesOpenAt,
  });
  return concertId;
}

/** The queue deployment's database (its lines' durable half, ADR 0024). */
export async function queueDatabaseUrl(): Promise<string> {
  return (await (deployment ??= Deployment.of(queue))).databaseUrl;
}

/** Messages on this file's topics, as another service sends them to the queue. */
export async function sendToQueue(...messages: OutgoingMessage[]): Promise<void> {
  await (await (deployment ??= Deployment.of(queue))).send(...messages);
}

/**
 * `npm run audit -- --concert N` (the built tool) on this file's queue database and the Redis at
 * `redisUrl` under `keyPrefix`: what it printed, and how it ended.
 */
export async function runAudit(concertId: number, redisUrl: string, keyPrefix: string) {
  const audit = spawnSync(
    'node',
    [path.resolve(__dirname, '../dist/src/audit.js'), '--concert', String(concertId)],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        DATABASE_URL: await queueDatabaseUrl(),
      },
      timeout: 30_000,
    },
  );
  return { stdout: audit.stdout, status: audit.status };
}

/** Every log line of this file's queue instances so far. */
export async function queueLogs(): Promise<Record<string, unknown>[]> {
  return (await (deployment ??= Deployment.of(queue))).logs();
}

/**
 * Where a queue keeps its state: an instance of this file, or the overrides `startQueue` would
 * be given (its Redis, key prefix and login; none: this file's defaults).
 */
export type QueueState = ServiceHandle | Record<string, string>;

const isInstance = (of: QueueState): of is ServiceHandle =>
  typeof (of as Partial<ServiceHandle>).stop === 'function';

export function overridesOf(of: QueueState): Record<string, string> {
  const overrides = isInstance(of) ? startedWith.get(of) : of;
  if (!overrides) throw new Error('not a queue instance this file started');
  return overrides;
}

/** The variables an instance started with these overrides runs on. */
export async function environmentOf(
  overrides: Record<string, string>,
): Promise<Record<string, string>> {
  return {
    ...infraEnv(),
    REDIS_KEY_PREFIX: KEY_PREFIX,
    ...(await queueEnvironment(overrides)),
    ...overrides,
  };
}
