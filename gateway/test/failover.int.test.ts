import { captureLogs, eventually } from '@ticketing/testing';
import type { GatewayHandle } from '../src/start';
import { HOLD_MS, twoInstancesBehindAGateway } from './two-instances';
import { Upstream, json, type Handler } from './upstream';

/**
 * An instance that is down, breaks a connection, answers 503 or too late: the request goes to
 * another instance when it is safe to repeat (or never reached one), is held while no instance
 * can take it, and otherwise gets a problem+json with a stable code.
 */
describe('gateway: an instance that is down, breaks or refuses', () => {
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

  it('when an instance is down, then every request (POST too) is answered by the other', async () => {
    await a.stop();
    for (let i = 0; i < 6; i++) {
      const res = await call('/reservations', { method: 'POST', body: '{}' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ from: 'b' });
    }
    expect(b.seen).toHaveLength(6);
    expect(logs.lines().some((l) => l.msg === 'upstream instance failed')).toBe(true);
  });

  it('when an instance breaks the connection after reading a POST, then it is not replayed elsewhere', async () => {
    a.handler = b.handler = (req) => req.socket.destroy();
    const res = await call('/reservations', { method: 'POST', body: '{"seatNo":1}' });
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({
      status: 502,
      code: 'UPSTREAM_UNAVAILABLE',
      detail: 'the reservation service did not answer',
    });
    expect(a.seen.length + b.seen.length).toBe(1);
  });

  it('when an instance resets a kept-alive connection instead of reading the next POST, then the next instance gets it', async () => {
    // As an instance that stops closes its idle connections while the gateway sends on one.
    let resets = 0;
    a.handler = (req, res) =>
      a.seen.length === 1
        ? json(res, 200, { from: 'a' })
        : (resets++, req.socket.resetAndDestroy());
    const first = await call('/reservations', { method: 'POST', body: '{}' }); // a, kept alive
    const second = await call('/reservations', { method: 'POST', body: '{}' }); // b
    const third = await call('/reservations', { method: 'POST', body: '{"seatNo":3}' }); // a, reset
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(await third.json()).toEqual({ from: 'b' });
    expect(resets).toBe(1);
    expect(b.seen.map((r) => r.body)).toEqual(['{}', '{"seatNo":3}']);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ msg: 'upstream instance failed', outcome: 'reset-unread' }),
    );
  });

  it('when the broken request was a GET or carried an Idempotency-Key, then the next instance gets it', async () => {
    let broken = 0;
    const flaky: Handler = (req, res) =>
      broken++ === 0 ? req.socket.destroy() : json(res, 201, { ok: true });
    a.handler = b.handler = flaky;
    const get = await call('/reservations/1');
    expect(get.status).toBe(201);
    broken = 0;
    const keyed = await call('/reservations', {
      method: 'POST',
      headers: { 'idempotency-key': 'k1' },
      body: '{}',
    });
    expect(keyed.status).toBe(201);
  });

  it('when no instance of the service comes back within the hold, then 503 with Retry-After for any method: nothing reached an instance', async () => {
    await Promise.all([a.stop(), b.stop()]);
    const logged = logs.lines().length;
    for (const init of [{}, { method: 'POST', body: '{}' }]) {
      const sentAt = Date.now();
      const res = await call('/reservations/x', init);
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(HOLD_MS - 100);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        detail: 'no instance of the reservation service is available',
      });
    }
    // One line per held request, not one per attempt.
    const failures = logs
      .lines()
      .slice(logged)
      .filter((l) => l.msg === 'upstream instance failed');
    expect(failures).toHaveLength(2);
  });

  it('when every instance is down and one comes back within the hold, then the held requests (a POST without a key too) are answered by it', async () => {
    const port = Number(new URL(b.url).port);
    await Promise.all([a.stop(), b.stop()]);
    const held = [
      call('/reservations/1'),
      call('/reservations', { method: 'POST', body: '{"seatNo":7}' }),
    ];
    await eventually(() =>
      expect(logs.lines().some((l) => l.msg === 'upstream instance failed')).toBe(true),
    );
    b = await new Upstream('b').start(port);
    const answers = await Promise.all(held);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(b.seen.map((r) => r.body)).toEqual(expect.arrayContaining(['', '{"seatNo":7}']));
  });

  it('when an instance answers 503 to a GET or a keyed POST, then the request waits for an instance that can take it; a POST without a key gets the 503', async () => {
    let refusals = 4;
    const recovering: Handler = (_req, res) =>
      refusals-- > 0
        ? json(res, 503, { code: 'SERVICE_UNAVAILABLE' }, { 'retry-after': '1' })
        : json(res, 200, { ok: true });
    a.handler = b.handler = recovering;
    expect((await call('/reservations/1')).status).toBe(200);
    refusals = 4;
    const keyed = await call('/reservations', {
      method: 'POST',
      headers: { 'idempotency-key': 'k-503' },
      body: '{}',
    });
    expect(keyed.status).toBe(200);
    refusals = 4;
    const unkeyed = await call('/reservations', { method: 'POST', body: '{}' });
    expect(unkeyed.status).toBe(503);
    expect(unkeyed.headers.get('retry-after')).toBe('1');
  });

  it('when the queue answers 503 to an event stream, then the stream is opened once an instance can take it', async () => {
    // An EventSource that meets a 503 gives up for good (it reconnects only after a stream).
    let refusals = 2;
    others.handler = (_req, res) => {
      if (refusals-- > 0)
        return json(res, 503, { code: 'SERVICE_UNAVAILABLE' }, { 'retry-after': '1' });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: position\ndata: {"position":3}\n\n');
    };
    const res = await call('/queue/tokens/me/events');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('event: position');
    expect(others.seen).toHaveLength(3);
  });

  it('when instances answer 503 past the hold, then the client gets their 503 as it is', async () => {
    a.handler = b.handler = (_req, res) =>
      json(
        res,
        503,
        { code: 'SERVICE_UNAVAILABLE', detail: 'database down' },
        { 'retry-after': '2' },
      );
    const res = await call('/reservations/1');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', detail: 'database down' });
  });

  it('when an instance is slower than the deadline, then 504 UPSTREAM_TIMEOUT', async () => {
    a.handler = b.handler = () => undefined; // never answers
    const res = await call('/reservations/slow');
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
  });
});
