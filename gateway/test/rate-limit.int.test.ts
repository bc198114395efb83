import {
  captureLogs,
  eventually,
  metricValue,
  monitorRedis,
  randomSuffix,
  testInfra,
  uuid,
} from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { start, type GatewayHandle } from '../src/start';
import { bearer, forged, keys, passOf } from './fan-credentials';
import { Upstream } from './upstream';

describe('rate limits per client, shared by every gateway instance', () => {
  let upstream: Upstream;
  let gateways: GatewayHandle[];

  const prefix = `rate-${randomSuffix()}:`;

  beforeAll(async () => {
    upstream = await new Upstream('any').start();
    const config = () =>
      loadGatewayConfig({
        GATEWAY_PORT: '0',
        REDIS_URL: testInfra().redisUrl,
        REDIS_KEY_PREFIX: prefix,
        GATEWAY_POLL_PER_SECOND: '1',
        GATEWAY_POLL_BURST: '4',
        GATEWAY_WRITE_PER_SECOND: '1',
        GATEWAY_WRITE_BURST: '2',
        GATEWAY_STREAMS_PER_CLIENT: '2',
        QUEUE_PASS_PUBLIC_KEYS: keys.publicKeys,
        OIDC_ISSUER_URL: testInfra().oidcIssuer,
        QUEUE_URLS: upstream.url,
        CONCERT_URLS: upstream.url,
        RESERVATION_URLS: upstream.url,
        WALLET_URLS: upstream.url,
        PAYMENT_URLS: upstream.url,
      });
    const { logger } = captureLogs('gateway');
    gateways = [await start(config(), { logger }), await start(config(), { logger })];
    // Each polls from its share of a budget: both must know they are two (heartbeats, 1 s).
    await eventually(async () => {
      for (const g of gateways) expect(await metricValue(g.url, 'gateway_instances')).toBe(2);
    });
  });
  afterAll(async () => {
    await Promise.all((gateways ?? []).map((g) => g.stop()));
    await upstream?.stop();
  });

  // Alternating instances: the budget is one, wherever the requests land.
  let turn = 0;
  const call = async (path: string, sub: string, method = 'GET', authorization?: string) =>
    fetch(`${gateways[turn++ % 2]!.url}${path}`, {
      method,
      headers: { authorization: authorization ?? (await bearer(sub)) },
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
    // The burst of 4 (maybe one more refilled meanwhile), over two instances: each polls from
    // its half of it, then from the shared bucket charged with what it spent.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(5);
    expect(statuses.at(-1)).toBe(429);
    expect(refused!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused!.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(upstream.seen.length - before).toBe(statuses.filter((s) => s === 200).length);
  });

  it('when a client spends a budget, then RateLimit-Policy announces it and RateLimit counts down to the 429, whose t is its Retry-After (IETF draft fields)', async () => {
    const fan = uuid();
    const policy = [] as (string | null)[];
    const left: { r: number; t: number }[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const res = await call('/queue/tokens/me', fan);
      policy.push(res.headers.get('ratelimit-policy'));
      const [, r, t] = /^"poll";r=(\d+);t=(\d+)$/.exec(res.headers.get('ratelimit') ?? '') ?? [];
      expect({ ratelimit: res.headers.get('ratelimit'), parsed: r !== undefined }).toEqual({
        ratelimit: expect.any(String),
        parsed: true,
      });
      left.push({ r: Number(r), t: Number(t) });
      if (res.status === 429) refused = res;
    }
    // Burst 4 at 1 per second: 4 requests per 4 s window.
    expect(new Set(policy)).toEqual(new Set(['"poll";q=4;w=4']));
    expect(left[0]!.r).toBeLessThan(4);
    expect(left[0]!.t).toBeGreaterThanOrEqual(1);
    expect(refused).toBeDefined();
    expect(left.at(-1)).toEqual({ r: 0, t: Number(refused!.headers.get('retry-after')) });
    // Reads spend nothing and announce nothing.
    const read = await call('/concerts', fan);
    expect(read.headers.get('ratelimit')).toBeNull();
    const write = await call('/reservations', fan, 'POST');
    expect(write.headers.get('ratelimit-policy')).toBe('"write";q=2;w=2');
  });

  it('when a client spells the polled path another way (trailing slash, percent-encoded, other case), then every spelling spends the one budget', async () => {
    const fan = uuid();
    for (let i = 0; i < 6; i++) await call('/queue/tokens/me', fan);
    for (const spelling of [
      '/queue/tokens/me/',
      '/queue/tokens/%6De',
      '/queue/tokens/%6d%65',
      '/queue/tokens/m%65',
      '/queue//tokens/me',
    ])
      expect([spelling, (await call(spelling, fan)).status]).toEqual([spelling, 429]);
    // Another case reaches no service at all (routes are case-sensitive): never a free poll.
    expect((await call('/Queue/Tokens/ME', fan)).status).toBe(404);
  });

  it('when a client asks the docs token proxy again and again, then it is limited like any write and the provider is spared', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${gateways[i % 2]!.url}/docs/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(3); // burst 2 (+1 refill)
    expect(statuses.at(-1)).toBe(429);
  });

  it('when a client holds as many event streams as allowed, then another is refused (however spelled) until one closes', async () => {
    const previous = upstream.handler;
    upstream.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n'); // and stays open until the gateway lets go
      res.socket?.on('close', () => res.destroy());
    };
    const pass = await passOf(uuid());
    const gateway = gateways[0]!.url;
    const open = (path = '/queue/tokens/me/events') => {
      const controller = new AbortController();
      const response = fetch(`${gateway}${path}`, {
        headers: { authorization: pass },
        signal: controller.signal,
      });
      return { response, close: () => controller.abort() };
    };
    try {
      const first = open();
      const second = open();
      expect((await first.response).status).toBe(200);
      expect((await second.response).status).toBe(200);
      const refused = await open('/queue/tokens/me/events/').response;
      expect(refused.status).toBe(429);
      expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
      first.close();
      await eventually(async () => {
        const again = open();
        const res = await again.response;
        again.close();
        expect(res.status).toBe(200);
      });
      second.close();
    } finally {
      upstream.handler = previous;
    }
  });

  it('when fans poll within their share, then the budgets cost Redis nothing per poll', async () => {
    // Redis' own record of every command, narrowed to these gateways' keys: other test files
    // run scripts on the same Redis at the same time.
    let scripts = 0;
    const monitor = await monitorRedis(testInfra().redisUrl, (args) => {
      if (/^eval/i.test(args[0] ?? '') && args.some((a) => a.startsWith(prefix))) scripts += 1;
    });
    try {
      const fans = await Promise.all(Array.from({ length: 40 }, async () => passOf(uuid())));
      const before = scripts;
      for (const pass of fans)
        expect((await call('/queue/tokens/me', '', 'GET', pass)).status).toBe(200);
      // Only the instances' heartbeats (one a second each) ran meanwhile.
      const afterPolls = scripts;
      expect(afterPolls - before).toBeLessThanOrEqual(6);
      // The count sees this gateway's scripts: a write spends its budget in Redis.
      expect((await call('/reservations', uuid(), 'POST')).status).toBe(200);
      await eventually(() => expect(scripts).toBeGreaterThan(afterPolls));
    } finally {
      monitor.stop();
    }
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

  it('when a bot makes up a new sub for every request, then they all spend the budget of its address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('/reservations', '', 'POST', forged(uuid()))).status);
    // Loopback is the bot's address here; the write burst is 2 (one more may refill).
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(3);
    expect(statuses.at(-1)).toBe(429);
  });

  it("when a fan polls with a queue pass, then the pass's verified sub is the client", async () => {
    const fan = uuid();
    const pass = await passOf(fan);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await call('/queue/tokens/me', fan, 'GET', pass)).status);
    expect(statuses.at(-1)).toBe(429);
    // The same fan's identity shares the budget; another fan's pass does not.
    expect((await call('/queue/tokens/me', fan)).status).toBe(429);
    expect((await call('/queue/tokens/me', '', 'GET', await passOf(uuid()))).status).toBe(200);
  });
});
