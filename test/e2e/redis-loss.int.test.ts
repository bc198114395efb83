import { PrivateRedis, eventually } from '@ticketing/testing';
import Redis from 'ioredis';
import { Cluster } from '../cluster';

/**
 * The account, as a fan meets it (ADR 0024): the whole system as processes, two
 * instances of everything behind the gateway, on a Redis of this file's own that loses its data
 * mid-sale (FLUSHALL: a Redis restarted without persistence, its users kept).
 */
describe('the system when Redis loses its data mid-sale', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    cluster = await Cluster.start({ instances: 2, redisUrl: redis.url });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await redis?.destroy();
  }, 120_000);

  it('when Redis loses every key, then new joins succeed within 5 s for every concert on sale, and an admitted fan’s pass still opens its concert’s schedules (503 at most meanwhile, never 401)', async () => {
    const concerts = [await cluster.bookableSchedule(), await cluster.bookableSchedule()];
    const fan = await cluster.activeFan(concerts[0]!.concertId);
    const schedules = `/concerts/${concerts[0]!.concertId}/schedules`;
    expect((await cluster.call('GET', 'concert', schedules, fan.token)).status).toBe(200);

    const admin = new Redis(redis.url);
    try {
      await admin.flushall();
    } finally {
      admin.disconnect();
    }
    const lostAt = Date.now();

    const answers: number[] = [];
    const opened = eventually(
      async () => {
        const res = await cluster.call('GET', 'concert', schedules, fan.token);
        answers.push(res.status);
        expect(res.status).toBe(200);
        return Date.now();
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const joined = await Promise.all(
      concerts.map(({ concertId }) =>
        eventually(
          async () => {
            // The admitted fan joins again (a new place: the store forgot their entry; the
            // admitted one stands too, below).
            const res = await cluster.call('POST', 'queue', '/queue/tokens', fan.identity, {
              concertId,
            });
            expect(res.status).toBe(201);
            return Date.now();
          },
          { timeoutMs: 15_000, intervalMs: 100 },
        ),
      ),
    );
    const openedAt = await opened;
    process.stdout.write(
      `[measured] npm start shape, Redis FLUSHALL: joins answered for every concert on sale after ${Math.max(...joined) - lostAt} ms; the admitted fan's pass opened the schedules again after ${openedAt - lostAt} ms (answers meanwhile: ${[...new Set(answers)].join(', ')})\n`,
    );
    expect(Math.max(...joined) - lostAt).toBeLessThanOrEqual(5000);
    expect(answers.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    // Their admitted place stands beside the one they took since, until its admission ends.
    expect((await cluster.call('GET', 'concert', schedules, fan.token)).status).toBe(200);
    expect((await cluster.call('GET', 'queue', '/queue/tokens/me', fan.token)).body).toMatchObject({
      status: 'ACTIVE',
    });
  }, 120_000);
});
