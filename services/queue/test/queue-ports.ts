import { captureLogs, randomIntId, testInfra } from '@ticketing/testing';
import { Database, type Knex } from '@ticketing/platform';
import { connectRedis, createDb, createMetricsRegistry, migrate } from '@ticketing/platform/wiring';
import Redis from 'ioredis';
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
import {
  environmentOf,
  overridesOf,
  passSigner,
  queueDatabaseUrl,
  type QueueState,
} from './queue-instances';

// The queue's own ports (its Redis store, its Postgres journal) and its join, on the state of an
// instance of this file: what a test must see or set that no HTTP answer shows.

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
