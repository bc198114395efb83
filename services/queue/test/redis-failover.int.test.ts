import type { ServiceHandle } from '@ticketing/platform';
import { RedisAdmissionSource, placeOf, queueKeys } from '@ticketing/queue-pass';
import { connectRedis } from '@ticketing/platform/wiring';
import type { LocalRedis } from '@ticketing/infra';
import { eventually, privateRedis, randomSuffix, uuid } from '@ticketing/testing';
import {
  concertDate,
  join,
  knownConcert,
  poll,
  queuePorts,
  runAudit,
  startQueue,
  type TokenBody,
} from './harness';

/**
 * The waiting room on Redis in production's shape (tools/infra LocalRedis: three primaries, a
 * replica each, a private cluster on ports of its own), with two queue instances and their
 * Postgres (ADR 0024): what a failover of the primary holding a concert's counters costs.
 */
describe('the waiting room on a Redis Cluster with replicas', () => {
  let ha: LocalRedis;
  let instances: ServiceHandle[] = [];
  const prefix = `test-${randomSuffix()}:`;

  beforeAll(async () => {
    ha = await privateRedis({
      // Production's shape, but a lost primary noticed within 1 s instead of the default
      // seconds: its replica takes over in about two, so the test watches a whole failover.
      cluster: { nodeTimeoutMs: 1000 },
    });
    const settings = {
      REDIS_URL: ha.url,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_ADMIT_PER_SECOND: '20',
      QUEUE_MAX_ACTIVE: '1000',
      QUEUE_TICK_MS: '50',
    };
    instances = await Promise.all([0, 1].map(() => startQueue(settings)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await ha?.destroy();
  });

  const numberOf = (fan: { tokenId: string }) => placeOf(fan.tokenId)!.number;

  /**
   * Until every fan's poll on `instance` answers as the pass says: the admitted ACTIVE, the
   * waiting each told a position of their own, in the order of their numbers.
   */
  const placesKept = (instance: ServiceHandle, fans: TokenBody[], admitted: TokenBody[]) =>
    eventually(
      async () => {
        const now = await Promise.all(fans.map((f) => poll(instance.url, f.token)));
        expect(now.filter((p) => p.status !== 200).map((p) => p.body)).toEqual([]);
        for (const fan of admitted) expect(now[fans.indexOf(fan)]!.body.status).toBe('ACTIVE');
        const positions = fans
          .map((f, i) => ({ number: numberOf(f), body: now[i]!.body }))
          .filter((p) => p.body.status === 'WAITING')
          .sort((a, b) => a.number - b.number)
          .map((p) => p.body.position);
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(new Set(positions).size).toBe(positions.length);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  it('when 400 fans join two instances at once (a join takes two steps on a cluster), then every fan is told a position of their own: its number', async () => {
    const concertId = await knownConcert(instances[0]!);
    // Sales open tomorrow: nobody is admitted, nobody leaves, so position = number.
    await concertDate(instances[0]!, concertId, {
      opensAt: new Date(Date.now() + 86_400_000),
      closesAt: new Date(Date.now() + 2 * 86_400_000),
    });
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, k) => join(instances[k % 2]!.url, uuid(), concertId)),
    );
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    const told = answers.map((a) => ({ number: numberOf(a.body), position: a.body.position }));
    expect(told.filter((t) => t.position !== t.number)).toEqual([]);
    expect(new Set(told.map((t) => t.position)).size).toBe(400);
  });

  it('when the primary holding a concert’s counters is killed mid-sale, then its replica takes over: no number is held twice, every fan keeps the place their pass says, admitted fans stay admitted, and joins and polls answer again', async () => {
    const concertId = await knownConcert(instances[0]!);
    const fans: TokenBody[] = [];
    let joining = true;
    const failed: (number | string)[] = [];
    // The sale: fans join both instances all along, a few at a time.
    const crowd = Array.from({ length: 6 }, async (_, k) => {
      while (joining) {
        const res = await join(instances[k % 2]!.url, uuid(), concertId).catch((err: Error) => err);
        if (!(res instanceof Error) && res.status === 201) fans.push(res.body);
        else failed.push(res instanceof Error ? res.message : res.status);
      }
    });
    let admitted: TokenBody[];
    let joinedBefore: number;
    try {
      admitted = await eventually(
        async () => {
          const active: TokenBody[] = [];
          for (const fan of fans.slice(0, 60))
            if ((await poll(instances[0]!.url, fan.token)).body.status === 'ACTIVE')
              active.push(fan);
          expect(active.length).toBeGreaterThanOrEqual(20);
          return active;
        },
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      joinedBefore = fans.length;

      // The fault is aimed at one shard: the one whose slot holds the concert's counters, found
      // by their key's name (the key is not read).
      const victim = await ha.primaryOf(`${prefix}${queueKeys(concertId).meta}`);
      failed.length = 0;
      const killedAt = Date.now();
      await ha.kill(victim);

      // Every instance takes a join again, and answers the poll of a fan near the front (which
      // reads the store, not the instance's snapshot). How long it took is measured and printed
      // (docs/operations.md), never asserted: speed is the benchmarks' to judge.
      const waiting = fans.slice(0, joinedBefore).filter((f) => !admitted.includes(f));
      const near = waiting.reduce((a, b) => (numberOf(a) < numberOf(b) ? a : b));
      const answeredAgainAt = await Promise.all(
        instances.map((instance) =>
          eventually(
            async () => {
              const polled = await poll(instance.url, near.token);
              expect(polled.status).toBe(200);
              const joined = await join(instance.url, uuid(), concertId);
              expect(joined.status).toBe(201);
              fans.push(joined.body);
              return Date.now();
            },
            { timeoutMs: 60_000, intervalMs: 100 },
          ),
        ),
      );
      const recoveryMs = Math.max(...answeredAgainAt) - killedAt;
      process.stdout.write(
        `[measured] failover: joins and store-read polls answered again ${recoveryMs} ms after the primary was killed (${failed.length} joins answered ${[...new Set(failed)].join(', ') || 'nothing else'} meanwhile)\n`,
      );
      await ha.waitServing();
    } finally {
      // Whatever failed above, the crowd stops joining before the test ends.
      joining = false;
      await Promise.all(crowd);
    }
    // A join the failover interrupted is told to try again: 503, never another error.
    expect(failed.filter((f) => f !== 503)).toEqual([]);

    // No number was handed to two fans, before, across or after the failover.
    const numbers = fans.map(numberOf);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.min(...fans.slice(joinedBefore).map(numberOf))).toBeGreaterThan(0);

    // Every fan who was answered keeps the place the pass says: admitted, or waiting in the
    // order of the numbers (one instance's answers at one moment).
    const redis = connectRedis(ha.url, { keyPrefix: prefix });
    try {
      const admissions = new RedisAdmissionSource(redis);
      for (const fan of admitted)
        expect(await admissions.admissionOf(fan)).toEqual({ status: 'ACTIVE' });
      await placesKept(instances[1]!, fans, admitted);
    } finally {
      redis.disconnect();
    }

    // The admissions' record survived with them: the audit proves number order.
    const audit = await runAudit(concertId, ha.url, prefix);
    expect(audit.stdout).not.toMatch(/NOT FAIR/);
    expect(audit.status).toBe(0);
  }, 240_000);
  it('when every node restarts empty mid-sale and the catalog cannot be asked, then the line is rebuilt from Postgres and the passes: places kept in number order, admitted fans still admitted, new numbers after the old, and admission waits until the concert’s dates are known again', async () => {
    const concertId = await knownConcert(instances[0]!);
    // The cluster the test before failed over may still be settling: a join answered 503 is
    // asked again, as a client does on Retry-After (never another status).
    const otherAnswers: number[] = [];
    const fans = await Promise.all(
      Array.from({ length: 60 }, (_, k) =>
        eventually(
          async () => {
            const res = await join(instances[k % 2]!.url, uuid(), concertId);
            if (res.status !== 503 && res.status !== 201) otherAnswers.push(res.status);
            expect(res.status).toBe(201);
            return res.body;
          },
          { timeoutMs: 10_000, intervalMs: 200 },
        ),
      ),
    );
    expect(otherAnswers).toEqual([]);
    const admitted = await eventually(
      async () => {
        const now = await Promise.all(fans.map((f) => poll(instances[0]!.url, f.token)));
        const active = fans.filter((_, i) => now[i]!.body.status === 'ACTIVE');
        expect(active.length).toBeGreaterThanOrEqual(10);
        return active;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const highest = Math.max(...fans.map(numberOf));

    const lostAt = Date.now();
    await ha.restartAllEmpty();
    const newcomer = await eventually(
      async () => {
        const res = await join(instances[1]!.url, uuid(), concertId);
        expect(res.status).toBe(201);
        return res.body;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const joinsBackMs = Date.now() - lostAt;
    expect(numberOf(newcomer)).toBeGreaterThan(highest);

    await placesKept(instances[0]!, fans, admitted);
    process.stdout.write(
      `[measured] the cluster restarted empty (every node killed and started again): joins answered again ${joinsBackMs} ms after the kill (the restart itself included), every pass polled back in number order after ${Date.now() - lostAt} ms\n`,
    );

    // The concert's dates went with Redis and the catalog is not there to ask (NO_CATALOG):
    // nobody more is admitted, until they are known again (here as concert.events tells them).
    const first = (await poll(instances[0]!.url, newcomer.token)).body;
    expect(first.status).toBe('WAITING');
    const { line } = (await queuePorts(instances[0]!)).store;
    expect(await line.salesKnown(concertId)).toBe(false);
    // Admitted before the loss or since, never beyond the head the rebuild resumed at.
    expect((await line.snapshot(concertId, undefined, 0)).head).toBeLessThan(numberOf(newcomer));
    await concertDate(instances[0]!, concertId, {
      opensAt: new Date(Date.now() - 60_000),
      closesAt: new Date(Date.now() + 86_400_000),
    });
    await eventually(
      async () =>
        expect((await poll(instances[0]!.url, newcomer.token)).body.status).toBe('ACTIVE'),
      { timeoutMs: 60_000 },
    );
  }, 240_000);
});
