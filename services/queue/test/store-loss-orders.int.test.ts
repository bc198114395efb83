import { placeOf } from '@ticketing/queue-pass';
import { connectRedis } from '@ticketing/platform/wiring';
import type { RedisClient, ServiceHandle } from '@ticketing/platform';
import type { LocalRedis } from '@ticketing/infra';
import { eventually, privateRedis, randomSuffix, uuid } from '@ticketing/testing';
import {
  concertInCatalog,
  join,
  poll,
  readEvents,
  startCatalog,
  startQueue,
  type Catalog,
  type SseEvent,
  type TokenBody,
} from './harness';

const CAP = 2;
const WAITING = 4;

/**
 * Redis emptied while fans wait (ADR 0024, 0038), in each order the events after it can come in:
 * new fans join first, the admission tick rebuilds the line first, a waiting fan's poll reaches
 * the other instance first, or the loss lands in the middle of a fill. Two queue instances on a
 * private redis-server, the real concert service as the catalog. Whatever the order, a fan who
 * comes back with their pass keeps the place it names, ahead of everyone who joined after the
 * loss, and is admitted in number order.
 */
describe('the waiting line when its store is emptied, in every order of what comes next', () => {
  let redis: LocalRedis;
  let client: RedisClient;
  let catalog: Catalog;
  const instances: ServiceHandle[] = [];

  beforeAll(async () => {
    redis = await privateRedis();
    catalog = await startCatalog();
    const settings = {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `test-${randomSuffix()}:`,
      CONCERT_URLS: catalog.url,
      QUEUE_ADMIT_PER_SECOND: '20',
      QUEUE_MAX_ACTIVE: String(CAP),
    };
    instances.push(await startQueue(settings), await startQueue(settings));
    client = connectRedis(redis.url);
  }, 120_000);
  afterAll(async () => {
    client?.disconnect();
    await Promise.all(instances.map((i) => i.stop()));
    await catalog?.stop();
    await redis?.destroy();
  });

  const numberOf = (fan: { tokenId: string }) => placeOf(fan.tokenId)!.number;
  const via = (k: number) => instances[k % 2]!.url;

  /** A fan's join, repeated while the queue answers 503 (as a client does on Retry-After). */
  const joinAs = (concertId: number, k: number) =>
    eventually(
      async () => {
        const res = await join(via(k), uuid(), concertId);
        expect(res.status).toBe(201);
        return res.body;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  const statusOf = (fan: TokenBody, k = 0) =>
    eventually(
      async () => {
        const res = await poll(via(k), fan.token);
        expect(res.status).toBe(200);
        return res.body;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  const leave = (fan: TokenBody) =>
    fetch(`${via(0)}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fan.token}` },
    });

  /** A concert whose cap is full (CAP fans admitted) with WAITING fans behind them. */
  async function lineWithWaitingFans() {
    const concertId = await concertInCatalog(catalog);
    const holders: TokenBody[] = [];
    for (let k = 0; k < CAP; k++) holders.push(await joinAs(concertId, k));
    await eventually(async () => {
      for (const h of holders) expect((await statusOf(h)).status).toBe('ACTIVE');
    });
    const waiting: TokenBody[] = [];
    for (let k = 0; k < WAITING; k++) waiting.push(await joinAs(concertId, k));
    expect(waiting.map((w) => w.status)).toEqual(waiting.map(() => 'WAITING'));
    return { concertId, holders, waiting };
  }

  /**
   * Every fan who waited before the loss still waits, in number order, ahead of every newcomer;
   * once the holders leave, the fans admitted are the first waiting ones by number.
   */
  async function expectPlacesKept(
    line: { holders: TokenBody[]; waiting: TokenBody[] },
    newcomers: TokenBody[],
  ) {
    const before = await Promise.all(line.waiting.map((w, k) => statusOf(w, k + 1)));
    expect(before.map((b) => b.status)).toEqual(before.map(() => 'WAITING'));
    const positions = before.map((b) => b.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    const after = await Promise.all(newcomers.map((n, k) => statusOf(n, k)));
    for (const n of after) expect(n.position).toBeGreaterThan(Math.max(...positions));

    for (const h of line.holders) expect((await leave(h)).status).toBe(204);
    await eventually(
      async () => {
        const now = await Promise.all(line.waiting.map((w) => statusOf(w)));
        expect(now.map((s) => s.status)).toEqual([
          ...Array<string>(CAP).fill('ACTIVE'),
          ...Array<string>(WAITING - CAP).fill('WAITING'),
        ]);
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    for (const n of newcomers) expect((await statusOf(n)).status).toBe('WAITING');
  }

  it('when new fans join before the waiting fans come back, then each waiting fan keeps their place ahead of them, and the newcomers are told positions behind them', async () => {
    const line = await lineWithWaitingFans();
    const otherConcert = await concertInCatalog(catalog);
    const highest = Math.max(...line.waiting.map(numberOf));

    await client.flushall();
    const newcomers = [];
    for (let k = 0; k < 3; k++) newcomers.push(await joinAs(line.concertId, k));
    const elsewhere = await joinAs(otherConcert, 1);

    for (const [k, n] of newcomers.entries()) {
      expect(numberOf(n)).toBeGreaterThan(highest);
      expect(n.position).toBe(WAITING + 1 + k);
    }
    expect(elsewhere.position).toBe(1);
    await expectPlacesKept(line, newcomers);
  });

  it('when the admission tick rebuilds the line before anyone asks, then the waiting fans keep their places and are admitted first', async () => {
    const line = await lineWithWaitingFans();
    const rebuildsBefore = await rebuildsCounted();

    await client.flushall();
    // Nobody asks: the ticks find the line gone from Redis and rebuild it from Postgres.
    await eventually(async () => expect(await rebuildsCounted()).toBeGreaterThan(rebuildsBefore), {
      timeoutMs: 15_000,
      intervalMs: 100,
    });
    const newcomer = await joinAs(line.concertId, 0);
    expect(newcomer.position).toBe(WAITING + 1);
    await expectPlacesKept(line, [newcomer]);
  });

  it('when a waiting fan asks the other instance first, then every waiting fan keeps their place, whichever instance each asks', async () => {
    const line = await lineWithWaitingFans();
    const last = line.waiting.at(-1)!;

    await client.flushall();
    // The last in line asks first, on the instance it did not join on.
    const first = await statusOf(last, line.waiting.length);
    expect(first).toMatchObject({ status: 'WAITING', position: WAITING });
    const newcomer = await joinAs(line.concertId, 1);
    expect(newcomer.position).toBe(WAITING + 1);
    await expectPlacesKept(line, [newcomer]);
  });

  it('when a waiting fan listens on the event stream across the loss, then the stream goes on telling their place, ahead of the newcomers, and says when they are in', async () => {
    const line = await lineWithWaitingFans();
    const [ahead, listener] = line.waiting as [TokenBody, TokenBody];
    const res = await fetch(`${via(1)}/queue/tokens/me/events`, {
      headers: { authorization: `Bearer ${listener.token}` },
    });
    expect(res.status).toBe(200);
    const events: SseEvent[] = [];
    const ended = readEvents(res, events);
    await eventually(() =>
      expect(events.at(-1)).toMatchObject({ data: { status: 'WAITING', position: 2 } }),
    );

    await client.flushall();
    const newcomers = [await joinAs(line.concertId, 0), await joinAs(line.concertId, 1)];
    expect(newcomers.map((n) => n.position)).toEqual([WAITING + 1, WAITING + 2]);
    // The fan ahead leaves: the stream, open across the loss, moves the listener up.
    expect((await leave(ahead)).status).toBe(204);
    await eventually(
      () => expect(events.at(-1)).toMatchObject({ data: { status: 'WAITING', position: 1 } }),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    for (const n of newcomers) expect((await statusOf(n)).position).toBeGreaterThan(1);
    // A holder leaves: the listener is admitted first, and hears it.
    expect((await leave(line.holders[0]!)).status).toBe(204);
    await ended;
    expect(events.at(-1)).toMatchObject({ event: 'active', data: { status: 'ACTIVE' } });
    expect(events.map((e) => e.event)).not.toContain('gone');
    for (const n of newcomers) expect((await statusOf(n)).status).toBe('WAITING');
  });

  it('when the store is emptied in the middle of a fill, then every fan who got a pass is in line once, in number order, and no two are told one place', async () => {
    // Sales open later: nobody is admitted, so every place stays in line to be counted.
    const concertId = await concertInCatalog(catalog, new Date(Date.now() + 3_600_000));
    const fans: TokenBody[] = [];
    let emptied = false;
    await Promise.all(
      Array.from({ length: 8 }, async (_, lane) => {
        for (let k = 0; k < 10; k++) {
          fans.push(await joinAs(concertId, lane + k));
          if (fans.length === 40 && !emptied) {
            emptied = true;
            await client.flushall();
          }
        }
      }),
    );
    expect(emptied).toBe(true);
    const now = await Promise.all(fans.map((f, k) => statusOf(f, k)));
    expect(now.map((s) => s.status)).toEqual(now.map(() => 'WAITING'));
    const byNumber = fans
      .map((f, i) => ({ number: numberOf(f), position: now[i]!.position }))
      .sort((a, b) => a.number - b.number);
    expect(byNumber.map((p) => p.position)).toEqual(byNumber.map((_, i) => i + 1));
  });

  /** Lines rebuilt after a loss, as both instances' metrics count them. */
  async function rebuildsCounted(): Promise<number> {
    let total = 0;
    for (const instance of instances) {
      const text = await (await fetch(`${instance.url}/metrics`)).text();
      total += Number(/^queue_line_rebuilds_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    }
    return total;
  }
});
