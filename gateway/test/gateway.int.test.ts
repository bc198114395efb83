import { MESSAGES } from '@ticketing/contracts';
import { ConfigError } from '@ticketing/platform';
import { captureLogs, eventually } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import type { GatewayHandle } from '../src/start';
import { twoInstancesBehindAGateway } from './two-instances';
import { json, type Handler, type Upstream } from './upstream';

// What the gateway does with a request an instance answers: forwarded as it came (less what a
// client may not say), streamed, limited, reported on; an instance that fails or refuses it
// is failover.int.test.ts.

describe('gateway', () => {
  let a: Upstream;
  let b: Upstream;
  let others: Upstream;
  let gateway: GatewayHandle;
  const logs = captureLogs('gateway');

  beforeEach(async () => {
    ({ a, b, others, gateway } = await twoInstancesBehindAGateway(logs.logger));
  });
  afterEach(async () => {
    await gateway.stop();
    await Promise.all([a.stop(), b.stop(), others.stop()]);
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, init);

  it('when requests arrive, then they go round robin over the instances with path, query, body and headers intact', async () => {
    const froms = [];
    for (let i = 0; i < 4; i++) {
      const res = await call('/reservations?x=1', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer t',
          'x-request-id': `r-${i}`,
        },
        body: JSON.stringify({ seatNo: i }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(`r-${i}`);
      froms.push(((await res.json()) as { from: string }).from);
    }
    expect(froms.sort()).toEqual(['a', 'a', 'b', 'b']);
    const first = [...a.seen, ...b.seen].find((s) => s.headers['x-request-id'] === 'r-0')!;
    expect(first).toMatchObject({ method: 'POST', url: '/reservations?x=1', body: '{"seatNo":0}' });
    expect(first.headers).toMatchObject({ authorization: 'Bearer t', 'x-forwarded-proto': 'http' });
    expect(first.headers['x-forwarded-for']).toBeDefined();
  });

  it("when a client writes forwarding headers, then the instance sees the gateway's own instead", async () => {
    const res = await call('/reservations', {
      headers: {
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'evil.example',
        forwarded: 'for=203.0.113.9;proto=https',
        'x-real-ip': '203.0.113.9',
      },
    });
    expect(res.status).toBe(200);
    const seen = [...a.seen, ...b.seen].at(-1)!;
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
    expect(seen.headers.forwarded).toBeUndefined();
    expect(seen.headers['x-real-ip']).toBeUndefined();
  });

  it('when a stream ticket rides in the URL of any path but the event stream’s, then no instance sees it; the event stream gets it', async () => {
    for (const [path, forwarded] of [
      ['/reservations?x=1&ticket=t.t.t&y=2', '/reservations?x=1&y=2'],
      ['/reservations?%74icket=t.t.t', '/reservations'],
      ['/queue/tokens/me?ticket=t.t.t', '/queue/tokens/me'],
      ['/queue/tokens/me/events?ticket=t.t.t', '/queue/tokens/me/events?ticket=t.t.t'],
    ]) {
      const res = await call(path!);
      expect(res.status).toBe(200);
      const seen = [...a.seen, ...b.seen, ...others.seen].at(-1)!;
      expect({ path, forwarded: seen.url }).toEqual({ path, forwarded });
    }
  });

  it('when the body is over the limit, then 413 before any instance sees it', async () => {
    const res = await call('/reservations', { method: 'POST', body: 'x'.repeat(5000) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(a.seen.length + b.seen.length).toBe(0);
  });

  it('when the path is nobody’s, then 404 problem+json', async () => {
    const res = await call('/tickets');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('when a service streams events, then each reaches the client as it is sent, and leaving closes the upstream', async () => {
    let upstreamClosed = false;
    others.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: position\ndata: 1\n\n');
      req.socket.on('close', () => (upstreamClosed = true));
    };
    const controller = new AbortController();
    const res = await call('/queue/tokens/me/events', { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const first = await reader.read(); // arrives although the upstream never ends the response
    expect(Buffer.from(first.value!).toString()).toContain('event: position');
    controller.abort();
    await eventually(async () => expect(upstreamClosed).toBe(true));
  });

  it('when asked for /health, then it reports every instance: ok, degraded, down', async () => {
    const ready: Handler = (_req, res) => json(res, 200, { status: 'ok' });
    a.handler = b.handler = others.handler = ready;
    expect(await (await call('/health')).json()).toMatchObject({ status: 'ok' });
    b.handler = (_req, res) => json(res, 503, { status: 'down' });
    const degraded = await call('/health');
    expect(degraded.status).toBe(200);
    expect(await degraded.json()).toMatchObject({
      status: 'degraded',
      services: {
        reservation: [
          { url: a.url, ready: true },
          { url: b.url, ready: false },
        ],
      },
    });
    a.handler = b.handler;
    const down = await call('/health');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'down' });
  });

  it('when /docs is opened, then Swagger UI shows the public API document, served by the gateway itself', async () => {
    const page = await call('/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain("url: '/docs/openapi.json'");
    expect((await call('/docs/swagger-ui-bundle.js')).status).toBe(200);
    const doc = (await (await call('/docs/openapi.json')).json()) as { openapi: string };
    expect(doc.openapi).toBe('3.1.0');
    // No service is asked: api-document.int holds the document to API.md.
    expect(others.seen).toEqual([]);
    expect((await call('/docs/../package.json')).status).toBe(404);
    expect((await call('/docs/openapi/queue.json')).status).toBe(404);
  });

  it('when /docs/events is opened, then the AsyncAPI page renders the events document, which lists every topic with its messages', async () => {
    const page = await call('/docs/events');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('/docs/events/asyncapi-ui.js');
    expect(html).toContain('/docs/events/asyncapi.json');
    const script = await call('/docs/events/asyncapi-ui.js');
    expect(script.status).toBe(200);
    expect(await script.text()).toContain('AsyncApiStandalone');
    expect((await call('/docs/events/asyncapi-ui.css')).status).toBe(200);
    const doc = (await (await call('/docs/events/asyncapi.json')).json()) as {
      asyncapi: string;
      channels: Record<string, { messages: Record<string, unknown> }>;
    };
    expect(doc.asyncapi).toBe('3.0.0');
    for (const m of MESSAGES)
      expect(Object.keys(doc.channels[m.topic]!.messages)).toContain(m.type);
    expect((await call('/docs/events/../../package.json')).status).toBe(404);
    expect((await call('/docs/events/index.js')).status).toBe(404);
  });

  it('when an upstream list is malformed, then the configuration names the variable', () => {
    expect(() => loadGatewayConfig({ WALLET_URLS: 'localhost:3004' })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ WALLET_URLS: 'localhost:3004' })).toThrow(/WALLET_URLS/);
    expect(() => loadGatewayConfig({ GATEWAY_PORT: 'x' })).toThrow(/GATEWAY_PORT/);
  });
});
