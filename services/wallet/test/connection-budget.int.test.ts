import { randomBytes } from 'node:crypto';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import { Client } from 'pg';
import { WalletDeployment, charge, getAs } from './harness';

/**
 * docs/operations.md, "Connection budget": a service that cannot get a database connection (the
 * server or its role at their limit) answers 503 with Retry-After, never a 500, and serves again
 * once connections are free.
 */
describe('when the database refuses connections', () => {
  let deployment: WalletDeployment;
  const role = `budget_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');

  beforeAll(async () => {
    deployment = await WalletDeployment.create();
    await deployment.startInstance(); // migrates as the owner
    await deployment.db.raw(`create role ${role} login password '${password}'`);
    await deployment.db.raw(
      `grant select, insert, update, delete on all tables in schema public to ${role}`,
    );
    await deployment.db.raw(`grant usage on all sequences in schema public to ${role}`);
  });
  afterAll(async () => {
    await deployment.stop(); // its database, and the role's privileges in it, go with it
    const admin = new Client({ connectionString: testInfra().postgresUrl });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('then calls answer 503 with Retry-After, and 200 again once it takes them', async () => {
    const url = new URL(deployment.databaseUrl);
    url.username = role;
    url.password = password;
    const limited = await deployment.startInstance({
      DATABASE_URL: url.toString(),
      MIGRATE_ON_START: 'false',
      DB_POOL_MAX: '2',
    });
    const userId = uuid();
    expect((await charge(limited.url, userId, 500)).status).toBe(200);

    // The role may open no more connections, and the ones it had are gone.
    await deployment.db.raw(`alter role ${role} connection limit 0`);
    await deployment.db.raw(
      `select pg_terminate_backend(pid) from pg_stat_activity where usename = ?`,
      [role],
    );
    for (let i = 0; i < 5; i++) {
      const res = await getAs(`${limited.url}/wallets/${userId}`, userId);
      const body = (await res.json()) as { code?: string };
      expect({ status: res.status, code: body.code }).toEqual({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }

    await deployment.db.raw(`alter role ${role} connection limit -1`);
    await eventually(async () =>
      expect((await getAs(`${limited.url}/wallets/${userId}`, userId)).status).toBe(200),
    );
    expect(deployment.logs().filter((l) => (l.msg as string)?.includes('unexpected'))).toEqual([]);
  });
});
