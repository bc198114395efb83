import http from 'node:http';
import { captureLogs } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { start, type GatewayHandle } from '../src/start';
import { Upstream, json, type Handler } from './upstream';

const HOLD_MS = 1500;

/**
 * An upstream instance that breaks in the middle of a request (a crash, a kill, a rolling
 * restart): whatever the moment, the client gets an answer from the gateway — the other
 * instance's, or a problem+json with a stable code — and never a cut connection.
 */
describe('gateway: an instance that breaks mid-request', () => {
  let a: Upstream;
  let b: Upstream;
  let others: Upstream;
  let gateway: GatewayHandle;
  const logs = captureLogs('gateway');

  beforeEach(async () => {
    a = await new Upstream('a').start();
    b = await new Upstream('b').start();
    others = await new Upstream('others').start();
    gateway = await start(
      loadGatewayConfig({
        GATEWAY_PORT: '0',
        GATEWAY_UPSTREAM_TIMEOUT_MS: '1000',
        GATEWAY_UPSTREAM_HOLD_MS: String(HOLD_MS),
        GATEWAY_RATE_LIMIT: 'false',
        RESERVATION_URLS: `${a.url},${b.url}`,
        QUEUE_URLS: others.url,
        CONCERT_URLS: others.url,
        WALLET_URLS: others.url,
        PAYMENT_URLS: others.url,
      }),
      { logger: logs.logger },
    );
  });
  afterEach(async () => {
    await gateway.stop();
    await Promise.all([a.stop(), b.stop(), others.stop()]);
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${gateway.url}${path}`, init);
  const keyedPost = (key: string) => ({
    method: 'POST',
    headers: { 'idempotency-key': key, 'content-type': 'application/json' },
    body: '{"seatNo":1}',
  });
  const unkeyedPost = { method: 'POST', body: '{"seatNo":1}' };

  /** The ways an instance can break after it read the request, each the first time only. */
  const breaks: [string, Handler][] = [
    ['before answering', (req) => req.socket.destroy()],
    [
      'after sending its headers',
      (req) =>
        void req.socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n',
          () => req.socket.destroy(),
        ),
    ],
    [
      'halfway through its body',
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '40' });
        res.write('{"from":"a","partial":', () => req.socket.destroy());
      },
    ],
  ];

  it.each(breaks)(
    'when an instance breaks %s a GET or a keyed POST, then the other instance answers it',
    async (_when, broken) => {
      a.handler = broken;
      // Round robin: the first GET and the first POST go to the broken instance first.
      const answers = [];
      for (const init of [{}, {}, keyedPost('k-1'), keyedPost('k-2')]) {
        const res = await call('/reservations/1', init);
        answers.push({ status: res.status, body: await res.json() });
      }
      expect(answers).toEqual(Array(4).fill({ status: 200, body: { from: 'b' } }));
      expect(a.seen.map((r) => r.method)).toEqual(['GET', 'POST']);
    },
  );

  it.each(breaks)(
    'when an instance breaks %s a POST without a key, then 502 UPSTREAM_UNAVAILABLE, not repeated: it may have been done',
    async (_when, broken) => {
      a.handler = b.handler = broken;
      const res = await call('/reservations', unkeyedPost);
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        detail: 'the reservation service did not answer',
      });
      expect(a.seen.length + b.seen.length).toBe(1);
    },
  );

  it.each(breaks)(
    'when every instance breaks %s every try of a GET, then it is held and 503 SERVICE_UNAVAILABLE with Retry-After ends it',
    async (_when, broken) => {
      a.handler = b.handler = broken;
      const res = await call('/reservations/1');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(a.seen.length + b.seen.length).toBeGreaterThan(2); // tried again while held
    },
  );

  it('when an instance breaks mid-answer on a kept-alive client connection, then the client gets its answer and keeps the connection', async () => {
    a.handler = b.handler = breaks[1]![1];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(`${gateway.url}/reservations`, agent, 'POST');
      expect(first.status).toBe(502);
      a.handler = b.handler = (_req, res) => json(res, 200, { ok: true });
      const second = await send(`${gateway.url}/reservations/1`, agent, 'GET');
      expect(second).toEqual({ status: 200, body: '{"ok":true}', reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });

  it('when an instance sends its headers and then nothing until the deadline, then 504 UPSTREAM_TIMEOUT', async () => {
    a.handler = b.handler = (req) =>
      void req.socket.write(
        'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 40\r\n\r\n{',
      );
    const res = await call('/reservations/1');
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });

  it('when an event stream breaks after its first event, then the client has the event and the stream ends: that is how a stream ends', async () => {
    others.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: position\ndata: {"position":3}\n\n', () => req.socket.destroy());
    };
    const res = await call('/queue/tokens/me/events');
    expect(res.status).toBe(200);
    const received: string[] = [];
    const reader = res.body!.getReader();
    const ended = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'ended';
        received.push(Buffer.from(value).toString());
      }
    })().catch(() => 'cut');
    expect(['ended', 'cut']).toContain(await ended);
    expect(received.join('')).toContain('data: {"position":3}');
  });
});

/** One request on `agent`; whether it went on a socket an earlier request had used. */
function send(
  url: string,
  agent: http.Agent,
  method: string,
): Promise<{ status: number; body: string; reusedSocket: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, reusedSocket: req.reusedSocket }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}
