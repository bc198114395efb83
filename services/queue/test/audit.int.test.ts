import type { ServiceHandle } from '@ticketing/platform';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { queueKeys } from '@ticketing/queue-pass';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import { KEY_PREFIX, join, knownConcert, poll, queueDatabaseUrl, startQueue } from './harness';

const prefix = `${KEY_PREFIX}audit:`;

/** `npm run audit -- --concert N` as an operator runs it (the built command, a process). */
const audit = async (concertId: number, ...args: string[]) =>
  spawnSync(
    'node',
    [path.resolve(__dirname, '../dist/src/audit.js'), '--concert', String(concertId), ...args],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        REDIS_URL: testInfra().redisUrl,
        REDIS_KEY_PREFIX: prefix,
        DATABASE_URL: await queueDatabaseUrl(),
      },
      timeout: 30_000,
    },
  );

describe('npm run audit: admissions followed the numbers', () => {
  let queue: ServiceHandle;
  let redis: Redis;

  beforeAll(async () => {
    queue = await startQueue({
      REDIS_KEY_PREFIX: prefix,
      QUEUE_ADMIT_PER_SECOND: '10',
      QUEUE_MAX_ACTIVE: '1000',
    });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: prefix });
  });
  afterAll(async () => {
    redis.disconnect();
    await queue.stop();
  });

  it('when fans were admitted, then the audit proves number order; when a record admitting out of order is planted, then it names it and fails', async () => {
    const concertId = await knownConcert(queue);
    const joinMany = (n: number) =>
      Promise.all(Array.from({ length: n }, () => join(queue.url, uuid(), concertId)));
    // The 15th in line leaves as soon as it has joined: at 10 admissions a second its turn is
    // ~1.4 s away (a fan picked at random among concurrent joins could be admitted first), and
    // the head passes it well before the last fans are admitted.
    const fans = await joinMany(14);
    const leaver = await join(queue.url, uuid(), concertId);
    await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${leaver.body.token}` },
    });
    fans.push(leaver, ...(await joinMany(15)));
    expect(fans.map((f) => (f.status === 201 ? 201 : f.body))).toEqual(fans.map(() => 201));
    await eventually(
      async () => {
        for (const f of fans.filter((f) => f !== leaver))
          expect((await poll(queue.url, f.body.token)).body.status).toBe('ACTIVE');
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    // A head move is made in Redis, then recorded in Postgres: the last fan may poll ACTIVE a
    // moment before its move is recorded there.
    const fair = await eventually(
      async () => {
        const run = await audit(concertId, '--user', fans[0]!.body.userId);
        // The same moves, as Postgres recorded them (they survive Redis: ADR 0024).
        expect(run.stdout).toMatch(/as Postgres recorded it: .* 29 admitted in number order/);
        return run;
      },
      { intervalMs: 500 },
    );
    expect(fair.status).toBe(0);
    expect(fair.stdout).toMatch(/29 admitted in number order/);
    expect(fair.stdout).toMatch(/1 gone when their turn came/);
    expect(fair.stdout).toMatch(
      new RegExp(`user ${fans[0]!.body.userId}: number \\d+; its turn came`),
    );

    // Someone writes a record admitting numbers 5..8 again, after the fact, behind the queue's
    // back: no port of the queue writes such a record, so the forgery goes to the stream's key.
    await redis.xadd(
      queueKeys(concertId).audit,
      '*',
      'kind',
      'admit',
      'from',
      5,
      'to',
      8,
      'at',
      Date.now(),
      'admitted',
      4,
      'idle',
      '',
      'gone',
      0,
    );
    const planted = await audit(concertId);
    expect(planted.status).toBe(1);
    expect(planted.stdout).toMatch(/NOT FAIR: .*numbers 5\.\.8 had their turn already/);
  });
});
