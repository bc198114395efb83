import { Credentials } from '@ticketing/auth';
import { RedisAdmissionSource, placeOf } from '@ticketing/queue-pass';
import type { RedisClient, ServiceHandle } from '@ticketing/platform';
import { connectRedis } from '@ticketing/platform/wiring';
import type { LocalRedis } from '@ticketing/infra';
import { eventually, privateRedis, randomSuffix, uuid } from '@ticketing/testing';
import {
  concertInCatalog,
  concertMetric,
  join,
  passVerifier,
  poll,
  queuePorts,
  runAudit,
  startCatalog,
  startQueue,
  type Catalog,
  type TokenBody,
} from './harness';

const RATE = 10;
const CAP = 25;

/**
 * Redis restarted empty mid-sale (a Redis without persistence, ADR 0024): a private redis-server
 * of this file's own, two queue instances and their Postgres, and the real concert service as
 * the catalog. Nothing of the line is left in Redis; Postgres, the catalog and the fans' signed
 * passes hold what it is rebuilt from.
 */
describe('the waiting room when Redis restarts empty mid-sale', () => {
  let redis: LocalRedis;
  let catalog: Catalog;
  const instances: ServiceHandle[] = [];
  const prefix = `test-${randomSuffix()}:`;
  let settings: Record<string, string>;

  beforeAll(async () => {
    redis = await privateRedis();
    catalog = await startCatalog();
    settings = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      CONCERT_URLS: catalog.url,
      QUEUE_ADMIT_PER_SECOND: String(RATE),
      QUEUE_MAX_ACTIVE: String(CAP),
      QUEUE_TICK_MS: '50',
    };
    instances.push(await startQueue(settings), await startQueue(settings));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await catalog?.stop();
    await redis?.destroy();
  });

  const numberOf = (fan: { tokenId: string }) => placeOf(fan.tokenId)!.number;
  const joinAll = (concertId: number, n: number) =>
    Promise.all(
      Array.from({ length: n }, async (_, k) => {
        const res = await join(instances[k % 2]!.url, uuid(), concertId);
        expect(res.status).toBe(201);
        return res.body;
      }),
    );
  const statuses = (fans: TokenBody[], via = instances[0]!) =>
    Promise.all(fans.map(async (f) => (await poll(via.url, f.token)).body));

  it('when Redis loses every key, then joins work again at once for every concert on sale, the line rebuilds itself in the order of the numbers, admitted fans keep access, the rate and the cap hold, and new numbers come after every old one', async () => {
    const onSale = await concertInCatalog(catalog);
    const later = await concertInCatalog(catalog, new Date(Date.now() + 3_600_000));
    const fans = await joinAll(onSale, 40);
    const early = await joinAll(later, 5);
    // About half the cap admitted, the rest waiting.
    const admitted = await eventually(
      async () => {
        const now = await statuses(fans);
        const active = fans.filter((_, i) => now[i]!.status === 'ACTIVE');
        expect(active.length).toBeGreaterThanOrEqual(12);
        return active;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const highest = Math.max(...[...fans, ...early].map(numberOf));

    await redis.restartAllEmpty();
    const lostAt = Date.now();

    // Joins work again at once, for every concert on sale, on every instance and on one that
    // starts now (it knows no concert: it asks the catalog).
    const fresh = await startQueue(settings);
    instances.push(fresh);
    const joinedAgain = await Promise.all(
      [...instances].flatMap((instance) =>
        [onSale, later].map((concertId) =>
          eventually(
            async () => {
              const res = await join(instance.url, uuid(), concertId);
              expect(res.status).toBe(201);
              return { body: res.body, at: Date.now() };
            },
            { timeoutMs: 10_000, intervalMs: 100 },
          ),
        ),
      ),
    );
    const joinsBackMs = Math.max(...joinedAgain.map((j) => j.at)) - lostAt;
    // Numbers handed out after the loss come after every number handed out before it.
    expect(Math.min(...joinedAgain.map((j) => numberOf(j.body)))).toBeGreaterThan(highest);

    // Admitted fans keep access: the booking services' pass check says ACTIVE (503 while the
    // line is rebuilt, never 401 or 403).
    const client: RedisClient = connectRedis(redis.url, { keyPrefix: prefix });
    try {
      const credentials = new Credentials({
        passes: passVerifier(),
        admissions: new RedisAdmissionSource(client),
      });
      for (const fan of admitted)
        expect(
          await credentials.queuePass.authenticate({ authorization: `Bearer ${fan.token}` }),
        ).toMatchObject({ admission: { status: 'ACTIVE' } });
      const accessBackMs = Date.now() - lostAt;

      // Every fan who comes back with their pass is in line again, in the order of the numbers.
      const back = await eventually(
        async () => {
          const now = await statuses(fans, instances[1]!);
          expect(now.filter((b) => b.status !== 'WAITING' && b.status !== 'ACTIVE')).toEqual([]);
          for (const fan of admitted) expect(now[fans.indexOf(fan)]!.status).toBe('ACTIVE');
          const inLine = fans
            .map((f, i) => ({ number: numberOf(f), position: now[i]!.position, s: now[i]! }))
            .filter((p) => p.s.status === 'WAITING')
            .sort((a, b) => a.number - b.number)
            .map((p) => p.position);
          expect(inLine).toEqual([...inLine].sort((a, b) => a - b));
          expect(new Set(inLine).size).toBe(inLine.length);
          return Date.now();
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      process.stdout.write(
        `[measured] Redis restarted empty: every instance took joins for every concert again after ${joinsBackMs} ms (one started after the loss among them); admitted passes opened the booking services again after ${accessBackMs} ms; every waiting fan's poll answered in number order after ${back - lostAt} ms\n`,
      );

      // The cap holds across the loss: the admitted before count, and admission goes on to
      // the cap and no further. The concert whose sales open later admits nobody.
      const newcomers = joinedAgain.filter((j) => j.body.concertId === onSale).map((j) => j.body);
      await eventually(
        async () => {
          const now = await statuses([...fans, ...newcomers]);
          expect(now.filter((b) => b.status === 'ACTIVE')).toHaveLength(CAP);
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const laterFans = [
        ...early,
        ...joinedAgain.filter((j) => j.body.concertId === later).map((j) => j.body),
      ];
      expect((await statuses(laterFans)).map((b) => b.status)).toEqual(
        laterFans.map(() => 'WAITING'),
      );
      // The line's own count, as every instance's tick reads it: the cap, not more.
      await eventually(async () => {
        for (const instance of instances)
          expect(await concertMetric(instance, 'queue_active', onSale)).toBe(CAP);
      });
    } finally {
      client.disconnect();
    }

    // The audit covers the recovered line: the stream records the rebuild and the moves after
    // it; Postgres' record covers the line from its first number, across the loss.
    const audit = await runAudit(onSale, redis.url, prefix);
    expect(audit.stdout).toMatch(/the line was rebuilt after Redis lost it: resumed at head \d+/);
    expect(audit.stdout).toMatch(/1 rebuild\(s\) after a loss of Redis/);
    expect(audit.stdout).toMatch(new RegExp(`as Postgres recorded it: .* ${CAP} admitted`));
    expect(audit.stdout).not.toMatch(/NOT FAIR/);
    expect(audit.status).toBe(0);
    // The admission rate held: after the rebuild, no more than the rate allows since it.
    const records = await (await queuePorts(instances[0]!)).store.line.auditRecords(onSale);
    const rebuilt = records.findIndex((r) => r.kind === 'recover');
    const after = records
      .slice(rebuilt + 1)
      .flatMap((r) =>
        r.kind === 'admit' ? [{ at: Number(r.at), admitted: Number(r.admitted) }] : [],
      );
    const since = (after.at(-1)!.at - Number(records[rebuilt]!.at)) / 1000;
    const admittedSince = after.reduce((n, r) => n + r.admitted, 0);
    expect(admittedSince).toBeLessThanOrEqual(Math.ceil(RATE * since) + 1);
  }, 120_000);
});
