import type { ServiceHandle } from '@ticketing/platform';
import { RedisAdmissionSource, placeOf } from '@ticketing/queue-pass';
import { connectRedis } from '@ticketing/platform/wiring';
import type { LocalRedis } from '@ticketing/infra';
import { eventually, privateRedis, randomSuffix, uuid } from '@ticketing/testing';
import { join, keysUnder, knownConcert, poll, startQueue } from './harness';

/**
 * The queue on a real Redis Cluster of three primaries (ADR 0015): one concert's fans spread
 * over the shards by segment and user bucket, every script on one slot, positions and admission
 * exactly as on one server.
 */
describe('the waiting room on a Redis Cluster', () => {
  let cluster: LocalRedis;
  let instances: ServiceHandle[] = [];
  const prefix = `test-${randomSuffix()}:`;

  beforeAll(async () => {
    cluster = await privateRedis({ cluster: { replicasPerPrimary: 0 } });
    const settings = {
      REDIS_URL: cluster.url,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_ADMIT_PER_SECOND: '40',
      QUEUE_MAX_ACTIVE: '100',
      QUEUE_TICK_MS: '20',
    };
    instances = await Promise.all([0, 1, 2].map(() => startQueue(settings)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await cluster?.destroy();
  });

  it('when 300 fans join three instances at once, then their keys spread over every shard, numbers are 1..300 and the first 100 are admitted in order', async () => {
    const concertId = await knownConcert(instances[0]!);
    const fans = await Promise.all(
      Array.from({ length: 300 }, (_, k) => join(instances[k % 3]!.url, uuid(), concertId)),
    );
    expect(fans.every((f) => f.status === 201)).toBe(true);
    const numberOf = (f: (typeof fans)[number]) => placeOf(f.body.tokenId)!.number;
    expect(fans.map(numberOf).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 300 }, (_, i) => i + 1),
    );

    // One concert under the test's prefix, and every primary holds part of it: more keys than
    // the line's counters and the catalog's copy (a dozen), the fans' user buckets hashing over
    // the slots (300 fans: about a hundred on each).
    for (const port of cluster.ports)
      expect((await keysUnder(prefix, `redis://127.0.0.1:${port}`)).length).toBeGreaterThan(30);

    const client = connectRedis(cluster.url, { keyPrefix: prefix });
    try {
      await eventually(
        async () => {
          const now = await Promise.all(
            fans.map((f, k) => poll(instances[k % 3]!.url, f.body.token)),
          );
          expect(now.filter((p) => p.body.status === 'ACTIVE')).toHaveLength(100);
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      await eventually(async () => {
        for (const f of fans) {
          const { body } = await poll(instances[0]!.url, f.body.token);
          if (numberOf(f) <= 100) expect(body).toMatchObject({ status: 'ACTIVE' });
          else expect(body).toMatchObject({ status: 'WAITING', position: numberOf(f) - 100 });
        }
      });
      // The booking services' pass check reads the same keys through a cluster client.
      const admissions = new RedisAdmissionSource(client);
      const first = fans.find((f) => numberOf(f) === 1)!;
      const last = fans.find((f) => numberOf(f) === 300)!;
      expect(await admissions.admissionOf(first.body)).toEqual({ status: 'ACTIVE' });
      expect(await admissions.admissionOf(last.body)).toEqual({
        status: 'WAITING',
        position: 200,
      });
    } finally {
      client.disconnect();
    }
  });
});
