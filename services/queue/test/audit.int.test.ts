import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { queueKeys } from '@ticketing/queue-pass';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import type { QueueServiceHandle } from '../src/start';
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
  let queue: QueueServiceHandle;
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

    // Someone writes a record admitting numbers 5..8 again, after the fact.
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

describe('a concert whose sales ended', () => {
  const retiring = `${KEY_PREFIX}retire:`;

  it('when its last date stops selling and the last activation ends, then its queue state is removed and the audit stream kept', async () => {
    const queue = await startQueue({
      REDIS_KEY_PREFIX: retiring,
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_ACTIVE_TTL_SECONDS: '1',
    });
    const redis = new Redis(testInfra().redisUrl, { keyPrefix: retiring });
    try {
      const concertId = await knownConcert(queue);
      // Late enough that the first fan is admitted before, even on a busy machine.
      const closesAt = Date.now() + 4000;
      await queue.concerts.learnSchedule({
        concertId,
        scheduleId: 1,
        revision: 1,
        status: 'OPEN',
        bookingOpensAt: new Date(Date.now() - 60_000).toISOString(),
        bookingClosesAt: new Date(closesAt).toISOString(),
        totalSeats: 50,
      });
      const fans = await Promise.all(
        Array.from({ length: 5 }, () => join(queue.url, uuid(), concertId)),
      );
      await eventually(async () =>
        expect((await poll(queue.url, fans[0]!.body.token)).body.status).toBe('ACTIVE'),
      );
      const keys = queueKeys(concertId);
      expect(await redis.hget(keys.meta, 'retired')).toBeNull();
      // Sales close 4 s in; a second later (the activation's end) the state goes, but for a
      // tombstone saying that life of the line ended (a pass of it is refused, not rebuilt).
      await eventually(async () => expect(await redis.hget(keys.meta, 'retired')).toBe('1'), {
        timeoutMs: 15_000,
        intervalMs: 200,
      });
      expect(await redis.hkeys(keys.meta)).toEqual(['epoch', 'retired']);
      expect(await redis.pttl(keys.meta)).toBeGreaterThan(86_400_000);
      expect(await queue.journal.line(concertId)).toBeUndefined(); // Postgres closed it first
      // The counters go in one script, then the segments' bits and the 4,096 user buckets are
      // unlinked: the keys are polled until that last step is done, not read once after the first.
      // KEYS takes a whole pattern: ioredis puts no prefix on it.
      await eventually(async () => {
        const left = await redis.keys(`${retiring}{q:${concertId}:*`);
        expect(left.length).toBeGreaterThan(0); // the seen bits, which expire on their own
        expect(left.filter((k) => !k.includes(':seen:'))).toEqual([]); // seen bits expire alone
        expect(await redis.sismember('queue:concerts', concertId)).toBe(0); // the last step
      });
      expect(await redis.pttl(keys.audit)).toBeGreaterThan(86_400_000); // kept for audits
      expect((await poll(queue.url, fans[0]!.body.token)).status).toBe(401);
      expect(Date.now()).toBeGreaterThanOrEqual(closesAt);
    } finally {
      redis.disconnect();
      await queue.stop();
    }
  });
});
