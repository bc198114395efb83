import { DATABASE_SERVICES, type ServiceName } from '@ticketing/contracts';
import { Database } from '@ticketing/platform';
import { createDb, migrate } from '@ticketing/platform/wiring';
import {
  createTestDatabase,
  eventually,
  identityToken,
  randomIntId,
  uuid,
} from '@ticketing/testing';
import { migrations as concertMigrations } from '../services/concert/migrations';
import { Catalog } from '../services/concert/src/domain/catalog';
import { catalogIn } from '../services/concert/src/start';

export type { ServiceName };
export type DatabaseService = (typeof DATABASE_SERVICES)[number];
export type Databases = Record<DatabaseService, { url: string; drop: () => Promise<void> }>;

/** What the journeys and invariants need from a running system, in-process or as processes. */
export interface RunningSystem {
  databaseUrl(name: DatabaseService): string;
  call(
    method: string,
    service: ServiceName,
    path: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply>;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * One database per service for one system, with concert ids that no other test file uses; on
 * the test run's Postgres, or on `serverUrl`.
 */
export async function createSystemDatabases(serverUrl?: string): Promise<Databases> {
  const databases = {} as Databases;
  for (const name of DATABASE_SERVICES) {
    databases[name] = await createTestDatabase(`sys_${name}`, serverUrl);
  }
  // Schedule ids must not collide with other test files' on the shared broker.
  const concertDb = createDb({ url: databases.concert.url, applicationName: 'test-setup' });
  await migrate(concertDb, concertMigrations);
  await concertDb.raw(`alter sequence schedules_id_seq restart with ${randomIntId()}`);
  await concertDb.raw(`alter sequence concerts_id_seq restart with ${randomIntId()}`);
  await concertDb.destroy();
  return databases;
}

/**
 * A concert with one bookable date, added the way the concert service adds one (the row and
 * its `schedule-published` event in one transaction; the running service's relay sends it),
 * returned once the reservation service's replica has it.
 */
export async function addBookableSchedule(
  system: Pick<RunningSystem, 'databaseUrl'>,
  price = 50_000,
  /** When booking opens (default: a day ago); the queue admits nobody before. */
  bookingOpensAt = new Date(Date.now() - 86_400_000),
): Promise<{ concertId: number; scheduleId: number; price: number }> {
  const db = createDb({ url: system.databaseUrl('concert'), applicationName: 'test' });
  const resDb = createDb({ url: system.databaseUrl('reservation'), applicationName: 'test' });
  try {
    const [{ id: concertId }] = await db('concerts')
      .insert({ title: `Show ${uuid()}`, artist: 'Test', venue: 'Hall' })
      .returning('id');
    const startsAt = new Date(Date.now() + 20 * 86_400_000);
    const schedule = (await new Catalog(new Database(db), catalogIn).addSchedule({
      concertId,
      startsAt,
      bookingOpensAt,
      bookingClosesAt: new Date(startsAt.getTime() - 3_600_000),
      price,
    }))!;
    await eventually(
      async () =>
        expect(await resDb('schedules').where({ id: schedule.scheduleId }).first()).toBeDefined(),
      { timeoutMs: 30_000 },
    );
    return { concertId, scheduleId: schedule.scheduleId, price };
  } finally {
    await Promise.all([db.destroy(), resDb.destroy()]);
  }
}

/** A fan: a user id and its identity token from the real development OpenID provider. */
export interface Fan {
  userId: string;
  /** The identity token (wallet, "my tickets", reads after the queue pass is spent). */
  identity: string;
}

export async function newFan(): Promise<Fan> {
  const userId = uuid();
  return { userId, identity: await identityToken(userId) };
}

/** A fan who went through the real queue and is now ACTIVE (`token` is the queue pass). */
export async function activeFan(
  system: Pick<RunningSystem, 'call'>,
  concertId: number,
  fan?: Fan,
): Promise<Fan & { token: string; tokenId: string }> {
  const { userId, identity } = fan ?? (await newFan());
  const joined = await eventually(
    async () => {
      const res = await system.call('POST', 'queue', '/queue/tokens', identity, { concertId });
      expect([200, 201]).toContain(res.status);
      return res.body as { token: string; tokenId: string };
    },
    { timeoutMs: 30_000 },
  );
  await eventually(
    async () =>
      expect(
        (await system.call('GET', 'queue', '/queue/tokens/me', joined.token)).body.status,
      ).toBe('ACTIVE'),
    { timeoutMs: 30_000 },
  );
  return { userId, identity, token: joined.token, tokenId: joined.tokenId };
}

/** One JSON request; the reply's body parsed (empty object when there is none). */
export async function httpCall(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}
