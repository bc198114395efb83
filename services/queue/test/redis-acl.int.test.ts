import { queueKeys, segmentKeys } from '@ticketing/queue-pass';
import type { REDIS_PRINCIPALS } from '@ticketing/platform';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import { KEY_PREFIX, join, knownConcert, poll, startQueue, testRedisUsers } from './harness';

/**
 * Redis locked (docs/operations.md, "Redis"): each principal is an ACL user allowed its own
 * commands on its own keys. Every other queue test runs as the queue's user; here, what each
 * user is refused. The rules are written over key names, so this file sends commands to the
 * queue's keys by name: the layout is what is under test.
 */
describe('Redis ACL users', () => {
  const clients: Redis[] = [];
  afterAll(() => clients.forEach((c) => c.disconnect()));

  async function as(principal: (typeof REDIS_PRINCIPALS)[number]) {
    const login = (await testRedisUsers()).login(principal);
    const client = new Redis(testInfra().redisUrl, {
      username: login.REDIS_USERNAME,
      password: login.REDIS_PASSWORD,
      keyPrefix: KEY_PREFIX,
      maxRetriesPerRequest: 0,
    });
    clients.push(client);
    return client;
  }

  it('when a principal sends what is not its own, then Redis refuses it (NOPERM)', async () => {
    const meta = queueKeys(1).meta;
    const alive = segmentKeys(1, 0).alive;
    const refused: [string, (r: Redis) => Promise<unknown>][] = [
      ['gateway reads the queue', (r) => r.hget(meta, 'head')],
      ['gateway flushes Redis', (r) => r.flushall()],
      ['reservation writes a place', (r) => r.setbit(alive, 5, 1)],
      ['reservation moves the head', (r) => r.hset(meta, 'head', '999')],
      ['payment lists every key', (r) => r.keys('*')],
      ['concert reads the budgets', (r) => r.hmget('gateway:rate:poll:x', 'tokens')],
      ['queue writes a budget', (r) => r.hset('gateway:rate:poll:x', 'tokens', '1000')],
      ['queue reads the configuration', (r) => r.config('GET', '*')],
      ['queue reads another prefix', (r) => r.call('HGET', `other:${meta}`, 'head')],
    ];
    const principalOf = (what: string) => what.split(' ')[0] as (typeof REDIS_PRINCIPALS)[number];
    for (const [what, command] of refused) {
      const error = await command(await as(principalOf(what))).then(
        () => 'allowed',
        (err: Error) => err.message,
      );
      expect({ what, error: error.slice(0, 7) }).toEqual({ what, error: 'NOPERM ' });
    }
    // What a booking service does do: read a place, hear revocations.
    const reservation = await as('reservation');
    await expect(reservation.getbit(alive, 5)).resolves.toBe(0);
    await expect(reservation.hmget(meta, 'head', 'epoch')).resolves.toHaveLength(2);
  });

  it("when the queue logs in with another service's credentials, then Redis refuses its work and nobody joins", async () => {
    const borrowed = (await testRedisUsers()).login('reservation');
    const queue = await startQueue({ ...borrowed });
    try {
      // The queue's own writes, with the credentials it was given: refused.
      const concertId = await knownConcert(queue).catch((err: Error) => err);
      expect(concertId).toBeInstanceOf(Error);
      expect((concertId as Error).message).toMatch(/^NOPERM/);
      // A concert the queue knows (its own user wrote it): nobody joins it through this one.
      const known = await knownConcert({});
      const joined = await join(queue.url, uuid(), known);
      expect(joined.status).not.toBe(201);
    } finally {
      await queue.stop();
    }
  });

  it('when the queue logs in as its own user, then fans join, wait, are admitted and leave', async () => {
    const queue = await startQueue();
    try {
      const concertId = await knownConcert(queue);
      const fan = await join(queue.url, uuid(), concertId);
      expect(fan.status).toBe(201);
      await eventually(async () =>
        expect((await poll(queue.url, fan.body.token)).body.status).toBe('ACTIVE'),
      );
      const left = await fetch(`${queue.url}/queue/tokens/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${fan.body.token}` },
      });
      expect(left.status).toBe(204);
    } finally {
      await queue.stop();
    }
  });
});
