import {
  Deployment,
  FILE_KEY_PREFIX,
  captureLogs,
  createRedisUsers,
  fileTopics,
  infraEnv,
  identityToken,
  metricValue,
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
import type { OutgoingMessage } from '@ticketing/messaging';
import { Database, type Knex, type ServiceHandle } from '@ticketing/platform';
import { connectRedis, createDb, createMetricsRegistry, migrate } from '@ticketing/platform/wiring';
import { PassVerifier, TokenSigner } from '@ticketing/queue-pass';
import Redis from 'ioredis';
import { startConcert } from '../../concert/test/harness';
import { migrations } from '../migrations';
import { loadServiceConfig } from '../src/config';
import { CatalogClient } from '../src/data-access/catalog-client';
import { PgLineJournal } from '../src/data-access/line-journal';
import { RedisQueueStore } from '../src/data-access/queue-store';
import { Joining } from '../src/domain/joining';
import { KnownConcerts } from '../src/domain/known-concerts';
import { LineDurability } from '../src/domain/line-durability';
import { Liveness } from '../src/domain/liveness';
import type { QueueSettings } from '../src/domain/settings';
import { SnapshotCache } from '../src/domain/snapshot-cache';
import type { QueueStore } from '../src/domain/stores';
import { queueMetrics } from '../src/entry-points/metrics';
import { start } from '../src/start';

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

/** The queue's own adapters of its Redis and its Postgres, as a test builds them. */
export interface QueuePorts {
  store: RedisQueueStore;
  journal: PgLineJournal;
}

const ports = new Map<string, Promise<QueuePorts>>();
let journalDb: Promise<Knex> | undefined;

/** The deployment's database, migrated as an instance migrates it (a test may come first). */
function journalDatabase(): Promise<Knex> {
  return (journalDb ??= (async () => {
    const db = createDb({ url: await queueDatabaseUrl(), applicationName: 'test' });
    await migrate(db, migrations);
    return db;
  })());
}

/**
 * The queue's own ports on the state of an instance: its Redis store (the same Redis, key
 * prefix and login as the instance) and its Postgres journal. For what a test must see or set
 * that no HTTP answer shows; the one place tests construct them, so a change of their
 * constructors is met here alone.
 */
export function queuePorts(of: QueueState = {}): Promise<QueuePorts> {
  return portsFor(overridesOf(of));
}

const isInstance = (of: QueueState): of is ServiceHandle =>
  typeof (of as Partial<ServiceHandle>).stop === 'function';

function overridesOf(of: QueueState): Record<string, string> {
  const overrides = isInstance(of) ? startedWith.get(of) : of;
  if (!overrides) throw new Error('not a queue instance this file started');
  return overrides;
}

/** The variables an instance started with these overrides runs on. */
async function environmentOf(overrides: Record<string, string>): Promise<Record<string, string>> {
  return {
    ...infraEnv(),
    REDIS_KEY_PREFIX: KEY_PREFIX,
    ...(await queueEnvironment(overrides)),
    ...overrides,
  };
}

async function portsFor(overrides: Record<string, string>): Promise<QueuePorts> {
  const env: Record<string, string | undefined> = await environmentOf(overrides);
  // One set per instance id too: two ids stand for two instances' connections.
  const key = [env.REDIS_URL, env.REDIS_KEY_PREFIX, env.REDIS_USERNAME, env.INSTANCE_ID].join(' ');
  let made = ports.get(key);
  if (!made) {
    made = (async () => {
      const prefix = env.REDIS_KEY_PREFIX!;
      const redis = connectRedis(env.REDIS_URL!, { keyPrefix: prefix, login: env });
      return {
        store: new RedisQueueStore(redis, prefix),
        journal: new PgLineJournal(new Database(await journalDatabase())),
      };
    })();
    ports.set(key, made);
  }
  return made;
}

/**
 * The queue's join, composed as an instance started with the same overrides composes it, on
 * this test's ports: for what a request cannot make happen (ten thousand fans in line without
 * ten thousand requests; a join whose store answers as another store would). `store` stands in
 * for the instance's store when given. The one place tests compose the queue's domain.
 */
export async function queueJoining(of: QueueState, store?: QueueStore): Promise<Joining> {
  const overrides = overridesOf(of);
  const ports = await portsFor(overrides);
  const config = loadServiceConfig(await environmentOf(overrides));
  const settings: QueueSettings = {
    admitPerSecond: config.QUEUE_ADMIT_PER_SECOND,
    maxActive: config.QUEUE_MAX_ACTIVE,
    activeTtlMs: config.QUEUE_ACTIVE_TTL_SECONDS * 1000,
    idleMs: config.QUEUE_IDLE_TIMEOUT_SECONDS * 1000,
    tokenMaxAgeSeconds: config.QUEUE_TOKEN_MAX_AGE_SECONDS,
    streamTicketTtlSeconds: config.QUEUE_STREAM_TICKET_TTL_SECONDS,
  };
  const fans = store ?? ports.store;
  const liveness = new Liveness(settings.idleMs);
  const concerts = new KnownConcerts(fans, new CatalogClient([]));
  const durability = new LineDurability(
    fans,
    ports.journal,
    concerts,
    liveness,
    captureLogs('queue-joining').logger,
    queueMetrics(createMetricsRegistry('queue')),
    settings,
  );
  const snapshots = new SnapshotCache(fans, config.QUEUE_SNAPSHOT_MS);
  return new Joining(fans, passSigner(), settings, snapshots, liveness, durability, concerts);
}

afterAll(async () => {
  for (const made of ports.values()) (await made).store.redis.disconnect();
  ports.clear();
  await (await journalDb)?.destroy();
});

/** A concert id of this test alone, known to the queue (as if concert.events had named it). */
export async function knownConcert(queue: QueueState): Promise<number> {
  const concertId = randomIntId();
  await (await queuePorts(queue)).store.concerts.rememberConcert(concertId);
  return concertId;
}

/**
 * A date of the concert in the queue's copy of the catalog, selling from `opensAt` until
 * `closesAt`, as concert.events tells the queue of a date published.
 */
export async function concertDate(
  queue: QueueState,
  concertId: number,
  { opensAt, closesAt }: { opensAt: Date; closesAt: Date },
): Promise<void> {
  const { concerts } = (await queuePorts(queue)).store;
  await concerts.rememberConcert(concertId);
  await concerts.applySchedule({
    concertId,
    scheduleId: 1,
    revision: 1,
    status: 'OPEN',
    opensAtMs: opensAt.getTime(),
    closesAtMs: closesAt.getTime(),
    totalSeats: 50,
  });
}

/**
 * Every key under a key prefix, with the time it has left (ms; -1: kept for good), as SCAN
 * lists them: what a queue keeps, counted by the prefix a test gave it, not by key names.
 */
export async function keysUnder(
  prefix: string,
  redisUrl = testInfra().redisUrl,
): Promise<{ key: string; ttlMs: number }[]> {
  const redis = new Redis(redisUrl);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return Promise.all(keys.map(async (key) => ({ key, ttlMs: await redis.pttl(key) })));
  } finally {
    redis.disconnect();
  }
}

/** A sample of an instance's metric for one concert (0 before it is first counted). */
export const concertMetric = (queue: ServiceHandle, name: string, concertId: number) =>
  metricValue(queue.url, name, { concert: String(concertId) });

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
