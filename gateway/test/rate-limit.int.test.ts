import { captureLogs, randomSuffix, testInfra, uuid } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { budgetOf, clientOf } from '../src/rate-limit';
import { start, type GatewayHandle } from '../src/start';
import { Upstream } from './upstream';

/** A JWT-shaped bearer whose payload names `sub` (the gateway reads, the services verify). */
const bearer = (sub: string) =>
  `Bearer x.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.y`;

describe('rate limits per client, shared by every gateway instance', () => {
  let upstream: Upstream;
  let gateways: GatewayHandle[];

  beforeAll(async () => {
    upstream = await new Upstream('any').start();
    const prefix = `rate-${randomSuffix()}:`;
    const config = () =>
      loadGatewayConfig({
        GATEWAY_PORT: '0',
        REDIS_URL: testInfra().redisUrl,
        REDIS_KEY_PREFIX: prefix,
        GATEWAY_POLL_PER_SECOND: '1',
        GATEWAY_POLL_BURST: '4',
        GATEWAY_WRITE_PER_SECOND: '1',
        GATEWAY_WRITE_BURST: '2',
        QUEUE_URLS: upstream.url,
        CONCERT_URLS: upstream.url,
        RESERVATION_URLS: upstream.url,
        WALLET_URLS: upstream.url,
        PAYMENT_URLS: upstream.url,
      });
    const { logger } = captureLogs('gateway');
    gateways = [await start(config(), { logger }), await start(config(), { logger })];
  });
  afterAll(async () => {
    await Promise.all((gateways ?? []).map((g) => g.stop()));
    await upstream?.stop();
  });

  // Alternating instances: the budget is one, wherever the requests land.
  let turn = 0;
  const call = (path: string, sub: string, method = 'GET') =>
    fetch(`${gateways[turn++ % 2]!.url}${path}`, {
      method,
      headers: { authorization: bearer(sub) },
    });

  it('when a client polls beyond its budget, then 429 problem+json with Retry-After, and the service never sees it', async () => {
    const fan = uuid();
    const before = upstream.seen.length;
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await call('/queue/tokens/me', fan);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
    }
    // The burst of 4 (maybe one more refilled meanwhile), over two instances.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.at(-1)).toBe(429);
    expect(refused!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(upstream.seen.length - before).toBe(statuses.filter((s) => s === 200).length);
  });

  it('when one client is over its budget, then other clients, its writes and its reads are unaffected', async () => {
    const bot = uuid();
    for (let i = 0; i < 8; i++) await call('/queue/tokens/me', bot);
    expect((await call('/queue/tokens/me', bot)).status).toBe(429);
    expect((await call('/queue/tokens/me', uuid())).status).toBe(200); // another fan
    expect((await call('/reservations', bot, 'POST')).status).toBe(200); // its own write budget
    expect((await call('/concerts', bot)).status).toBe(200); // reads spend no budget
  });

  it('when a client writes beyond its budget, then 429 until tokens come back', async () => {
    const bot = uuid();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('/reservations', bot, 'POST')).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('what a request spends', () => {
  it.each([
    ['GET', '/queue/tokens/me', 'poll'],
    ['GET', '/queue/tokens/me/events', 'poll'],
    ['POST', '/queue/tokens', 'write'],
    ['POST', '/reservations', 'write'],
    ['DELETE', '/reservations/x', 'write'],
    ['GET', '/concerts', undefined],
    ['GET', '/reservations/x', undefined],
  ])('when %s %s, then the %s budget', (method, path, budget) => {
    expect(budgetOf(method, path)).toBe(budget);
  });

  it('when a request carries no token, then its address is the client; with one, its sub', () => {
    const req = (headers: Record<string, string>) =>
      ({ headers, socket: { remoteAddress: '10.0.0.9' } }) as never;
    expect(clientOf(req({}), false)).toBe('ip:10.0.0.9');
    expect(clientOf(req({ 'x-forwarded-for': '1.2.3.4, 10.0.0.1' }), false)).toBe('ip:10.0.0.9');
    expect(clientOf(req({ 'x-forwarded-for': '1.2.3.4, 10.0.0.1' }), true)).toBe('ip:1.2.3.4');
    expect(clientOf(req({ authorization: bearer('alice') }), false)).toBe('sub:alice');
    expect(clientOf(req({ authorization: 'Bearer garbage' }), false)).toBe('ip:10.0.0.9');
  });
});
