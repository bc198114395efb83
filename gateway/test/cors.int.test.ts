import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@ticketing/platform';
import { captureLogs } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { start, type GatewayHandle } from '../src/start';
import { Upstream, json } from './upstream';

const APP = 'https://fans.example.com';
const LOCAL_APP = 'http://localhost:5173';

/** A built fan app's shape: an index page and a hashed asset. */
function builtApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fan-app-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Fans</title>');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not served');
  return dir;
}

describe('the gateway in a browser: CORS for the listed origins, the fan app at /', () => {
  let upstream: Upstream;
  let gateway: GatewayHandle;
  const appDir = builtApp();

  beforeAll(async () => {
    upstream = await new Upstream('any', (_req, res) =>
      json(
        res,
        201,
        { ok: true },
        {
          etag: '"v1"',
          location: '/reservations/1',
          vary: 'Accept-Encoding',
          // A service's own CORS headers never reach the browser: the gateway sets the policy.
          'access-control-allow-origin': '*',
        },
      ),
    ).start();
    gateway = await start(
      loadGatewayConfig({
        GATEWAY_PORT: '0',
        GATEWAY_RATE_LIMIT: 'false', // rate-limit.int has the budgets and their headers
        GATEWAY_CORS_ORIGINS: `${APP}, ${LOCAL_APP}`,
        GATEWAY_CORS_MAX_AGE_SECONDS: '900',
        GATEWAY_FAN_APP_DIR: appDir,
        OIDC_ISSUER_URL: 'http://127.0.0.1:1/default',
        FAN_APP_ISSUER_URL: 'https://login.example.com/realms/fans',
        FAN_APP_AUTHORIZATION_PARAMS: '{"audience":"ticketing"}',
        QUEUE_URLS: upstream.url,
        CONCERT_URLS: upstream.url,
        RESERVATION_URLS: upstream.url,
        WALLET_URLS: upstream.url,
        PAYMENT_URLS: upstream.url,
      }),
      { logger: captureLogs('gateway').logger },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  const preflight = (origin: string, method = 'POST', headers = 'authorization, content-type') =>
    fetch(`${gateway.url}/reservations`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': headers,
      },
    });

  it('when a listed origin sends a preflight, then the gateway answers it (methods, headers, max age) and no service sees it', async () => {
    const before = upstream.seen.length;
    const res = await preflight(APP);
    expect(res.status).toBe(204);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-max-age': '900',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    for (const header of ['authorization', 'content-type', 'idempotency-key', 'prefer'])
      expect(res.headers.get('access-control-allow-headers')).toContain(header);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull(); // bearer tokens, no cookies
    expect(upstream.seen.length).toBe(before);
  });

  it('when a listed origin calls, then it may read the answer and the headers an app paces and follows itself by', async () => {
    const res = await fetch(`${gateway.url}/reservations`, {
      method: 'POST',
      headers: { origin: LOCAL_APP, authorization: 'Bearer t' },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(LOCAL_APP);
    const exposed = res.headers.get('access-control-expose-headers')!.split(', ');
    for (const header of ['retry-after', 'etag', 'location', 'ratelimit', 'ratelimit-policy'])
      expect(exposed).toContain(header);
    expect(res.headers.get('vary')).toBe('Origin, Accept-Encoding');
    expect(res.headers.get('etag')).toBe('"v1"');
    // The gateway's own answers too (an unknown path here): an app can read every error.
    const missing = await fetch(`${gateway.url}/nowhere`, { headers: { origin: APP } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('when an origin that is not listed sends a preflight or a request, then no answer carries an Access-Control header for it', async () => {
    const before = upstream.seen.length;
    const refused = await preflight('https://evil.example.com');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(upstream.seen.length).toBe(before); // a refused preflight is not forwarded either
    for (const origin of ['https://evil.example.com', 'null', `${APP}.evil.com`, `${APP}/`]) {
      const res = await fetch(`${gateway.url}/concerts`, { headers: { origin } });
      const cors = [...res.headers.keys()].filter((h) => h.startsWith('access-control-'));
      expect({ origin, cors }).toEqual({ origin, cors: [] });
      expect(res.headers.get('vary')).toContain('Origin');
    }
  });

  it('when the origins are misconfigured, then the gateway refuses to start naming GATEWAY_CORS_ORIGINS', () => {
    for (const bad of ['*', 'fans.example.com', 'https://fans.example.com/', 'https://a.com/app'])
      expect(() =>
        loadGatewayConfig({ GATEWAY_RATE_LIMIT: 'false', GATEWAY_CORS_ORIGINS: bad }),
      ).toThrow(
        expect.objectContaining({
          problems: [expect.objectContaining({ variable: 'GATEWAY_CORS_ORIGINS' })],
        }) as ConfigError,
      );
    expect(() =>
      loadGatewayConfig({ GATEWAY_RATE_LIMIT: 'false', GATEWAY_FAN_APP_DIR: '/nonexistent' }),
    ).toThrow(ConfigError);
  });

  it('when a browser opens /, then it gets the fan app with a strict content policy, its hashed assets cached for good, and its configuration', async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'self' https://login.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    const asset = await fetch(`${gateway.url}/assets/index-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await (await fetch(`${gateway.url}/config.json`)).json()).toStrictEqual({
      apiUrl: '',
      issuer: 'https://login.example.com/realms/fans',
      clientId: 'fan-app',
      authorizationParams: { audience: 'ticketing' },
    });
    for (const other of ['/secret.txt', '/assets/../secret.txt', '/assets/nope.js'])
      expect([other, (await fetch(`${gateway.url}${other}`)).status]).toEqual([other, 404]);
  });
});
