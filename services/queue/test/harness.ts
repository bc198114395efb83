import {
  Deployment,
  FILE_KEY_PREFIX,
  createRedisUsers,
  fileTopics,
  identityToken,
  randomIntId,
  randomSuffix,
  serviceUnderTest,
  testInfra,
  testPassKeys,
  uuid,
  type RedisUsers,
} from '@ticketing/testing';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassVerifier, TokenSigner } from '@ticketing/queue-pass';
import { startConcert } from '../../concert/test/harness';
import { loadServiceConfig } from '../src/config';
import { start, type QueueServiceHandle } from '../src/start';

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

const queue = serviceUnderTest('queue', loadServiceConfig, start, {
  environment: async (overrides) => ({
    CONCERT_URLS: NO_CATALOG,
    DB_POOL_MAX: '2',
    // Another Redis (a cluster) has no such users: the default login there.
    ...(!overrides.REDIS_URL &&
      (await testRedisUsers(overrides.REDIS_KEY_PREFIX ?? KEY_PREFIX)).login('queue')),
    KAFKA_CONSUMER_GROUP: `queue-test-${randomSuffix()}`,
    QUEUE_TICK_MS: '50',
    QUEUE_SSE_INTERVAL_MS: '100',
    LOG_LEVEL: 'warn',
  }),
});
let deployment: Promise<Deployment<QueueServiceHandle>> | undefined;

/**
 * Starts the real queue service in-process on port 0 with the given overrides. It logs in to
 * Redis as the queue's ACL user, so every queue test also proves those rules are enough.
 */
export async function startQueue(
  overrides: Record<string, string> = {},
): Promise<QueueServiceHandle> {
  return (await (deployment ??= Deployment.of(queue))).startInstance(overrides);
}

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

/** A concert id of this test alone, known to the queue. */
export async function knownConcert(queue: QueueServiceHandle): Promise<number> {
  const concertId = randomIntId();
  await queue.store.concerts.rememberConcert(concertId);
  return concertId;
}

export interface TokenBody {
  token: string;
  tokenId: string;
  userId: string;
  concertId: number;
  status: 'WAITING' | 'ACTIVE';
  position: number;
  estimatedWaitSeconds: number | null;
  expiresAt: string;
}

/** Joins as `userId`, with that user's identity token from the real development provider. */
export async function join(baseUrl: string, userId: string, concertId: number) {
  return joinWith(baseUrl, await identityToken(userId), { concertId });
}

export async function joinWith(baseUrl: string, identity: string | undefined, body: unknown) {
  const res = await fetch(`${baseUrl}/queue/tokens`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(identity && { authorization: `Bearer ${identity}` }),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as TokenBody & { code?: string },
  };
}

/** A stream ticket bought with `pass` (POST /queue/tokens/me/stream-ticket). */
export async function buyStreamTicket(baseUrl: string, pass: string) {
  const res = await fetch(`${baseUrl}/queue/tokens/me/stream-ticket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pass}` },
  });
  return {
    status: res.status,
    cacheControl: res.headers.get('cache-control'),
    body: (await res.json()) as { ticket: string; url: string; expiresAt: string },
  };
}

export async function poll(baseUrl: string, token: string) {
  const res = await fetch(`${baseUrl}/queue/tokens/me`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as TokenBody & { code?: string },
  };
}

export interface SseEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream into parsed events until it ends. */
export async function readEvents(res: Response, into: SseEvent[]): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data)
        into.push({ event, ...(id && { id }), data: JSON.parse(data) as Record<string, unknown> });
    }
  }
}
