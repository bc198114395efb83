import { createDb, migrate } from '@ticketing/platform/wiring';
import {
  Deployment,
  FILE_KEY_PREFIX,
  createTestDatabase,
  fileTopics,
  grantActiveToken,
  randomIntId,
  serviceUnderTest,
  testInfra,
} from '@ticketing/testing';
import { migrations } from '../migrations';
import { loadServiceConfig } from '../src/config';
import { start, type ConcertServiceHandle } from '../src/start';

export const KEY_PREFIX = FILE_KEY_PREFIX;
/** This test file's own topics. */
export const topicNamespace = fileTopics;

/**
 * Ids start at a random offset: test databases share the Kafka topics, so a schedule id must
 * not mean the same schedule in two of them.
 */
async function seedSequences(url: string): Promise<void> {
  const db = createDb({ url, applicationName: 'test-setup' });
  await migrate(db, migrations);
  await db.raw(`alter sequence schedules_id_seq restart with ${randomIntId()}`);
  await db.raw(`alter sequence concerts_id_seq restart with ${randomIntId()}`);
  await db.destroy();
}

const concert = serviceUnderTest('concert', loadServiceConfig, start, {
  prepareDatabase: seedSequences,
});

/** A migrated database of its own, ids at a random offset, for a test that starts no service. */
export async function concertDatabase() {
  const database = await createTestDatabase('concert');
  await seedSequences(database.url);
  return database;
}

/** The real concert service on its own database, consumer group, topics and key namespace. */
export class ConcertDeployment extends Deployment<ConcertServiceHandle> {
  static async create(): Promise<ConcertDeployment> {
    return new ConcertDeployment(concert, await Deployment.databaseFor(concert));
  }
}

export interface ConcertFixture {
  service: ConcertServiceHandle;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** One instance of a fresh deployment. */
export async function startConcert(env: Record<string, string> = {}): Promise<ConcertFixture> {
  const deployment = await ConcertDeployment.create();
  const service = await deployment.startInstance(env);
  return { service, databaseUrl: deployment.databaseUrl, stop: () => deployment.stop() };
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
