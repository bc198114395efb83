import { createDb, migrate } from '@ticketing/platform';
import type { TopicNamespace } from '@ticketing/messaging';
import {
  captureLogs,
  createTestDatabase,
  createTopicNamespace,
  grantActiveToken,
  randomIntId,
  randomSuffix,
  testInfra,
  uuid,
  infraEnv,
} from '@ticketing/testing';
import { migrations } from '../migrations';
import { loadServiceConfig } from '../src/config';
import { start, type ConcertServiceHandle } from '../src/start';

export const KEY_PREFIX = `test-${randomSuffix()}:`;

export interface ConcertFixture {
  service: ConcertServiceHandle;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * A migrated database whose ids start at a random offset: test databases share the Kafka
 * topics, so a schedule id must not mean the same schedule in two of them.
 */
export async function concertDatabase() {
  const database = await createTestDatabase('concert');
  const db = createDb({ url: database.url, applicationName: 'test-setup' });
  await migrate(db, migrations);
  await db.raw(`alter sequence schedules_id_seq restart with ${randomIntId()}`);
  await db.raw(`alter sequence concerts_id_seq restart with ${randomIntId()}`);
  await db.destroy();
  return database;
}

let namespace: Promise<TopicNamespace> | undefined;
/** This test file's own topics. */
export const topicNamespace = () => (namespace ??= createTopicNamespace());

/** The real concert service on its own database, consumer group, topics and key namespace. */
export async function startConcert(env: Record<string, string> = {}): Promise<ConcertFixture> {
  const database = await concertDatabase();
  const group = `concert-test-${randomSuffix()}`;
  const service = await startConcertInstance(database.url, group, env);
  return {
    service,
    databaseUrl: database.url,
    stop: async () => {
      await service.stop();
      await database.drop();
    },
  };
}

/** One more instance of a deployment: the same database and consumer group. */
export async function startConcertInstance(
  databaseUrl: string,
  consumerGroup: string,
  env: Record<string, string> = {},
): Promise<ConcertServiceHandle> {
  return start(
    loadServiceConfig({
      PORT: '0',
      DATABASE_URL: databaseUrl,
      ...infraEnv(),
      REDIS_KEY_PREFIX: KEY_PREFIX,
      KAFKA_CONSUMER_GROUP: consumerGroup,
      KAFKA_TOPIC_PREFIX: (await topicNamespace()).prefix,
      INSTANCE_ID: uuid().slice(0, 8),
      ...env,
    }),
    { logger: captureLogs('concert').logger },
  );
}

export const tokenFor = (concertId: number, userId?: string) =>
  grantActiveToken({
    redisUrl: testInfra().redisUrl,
    keyPrefix: KEY_PREFIX,
    concertId,
    userId,
  });

export async function get(url: string, token?: string) {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { items: Record<string, unknown>[] },
  };
}
