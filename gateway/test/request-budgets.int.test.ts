import { IdentityVerifier } from '@ticketing/auth';
import { TokenSigner, generatePassKeys } from '@ticketing/queue-pass';
import { ConfigError } from '@ticketing/platform';
import { captureLogs, eventually, testInfra, uuid } from '@ticketing/testing';
import { ClientIdentifier } from '../src/clients';
import { loadGatewayConfig } from '../src/config';
import { budgetOf, canonicalPath } from '../src/routes';
import { TrustedProxies, trustedProxiesEnv } from '../src/trusted-proxies';
import { bearer, forged, passOf, passes, signer, streamTickets } from './fan-credentials';

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

  it('when a request carries no verified token, then its address is the client; with one, its sub', async () => {
    const req = (headers: Record<string, string>, url = '/queue/tokens/me') =>
      ({ headers, url, socket: { remoteAddress: '10.0.0.9' } }) as never;
    const { logger } = captureLogs('gateway');
    const identity = new IdentityVerifier(
      {
        OIDC_ISSUER_URL: testInfra().oidcIssuer,
        OIDC_AUDIENCE: 'ticketing',
        OIDC_JWKS_COOLDOWN_SECONDS: 30,
      },
      logger,
    ).start();
    try {
      const clients = new ClientIdentifier(
        { identity, passes, streamTickets },
        new TrustedProxies([]),
      );
      const trusting = new ClientIdentifier(
        { identity, passes, streamTickets },
        new TrustedProxies(trustedProxiesEnv().parse('10.0.0.0/8')),
      );
      const alice = uuid();
      expect(await clients.clientOf(req({}))).toBe('ip:10.0.0.9');
      // The client wrote 6.6.6.6 itself; the trusted proxy (10.0.0.1) appended 1.2.3.4.
      const forwarded = { 'x-forwarded-for': '6.6.6.6, 1.2.3.4, 10.0.0.1' };
      expect(await clients.clientOf(req(forwarded))).toBe('ip:10.0.0.9');
      expect(await trusting.clientOf(req(forwarded))).toBe('ip:1.2.3.4');
      await eventually(async () =>
        expect(await clients.clientOf(req({ authorization: await bearer(alice) }))).toBe(
          `sub:${alice}`,
        ),
      );
      expect(await clients.clientOf(req({ authorization: await passOf(alice) }))).toBe(
        `sub:${alice}`,
      );
      expect(await clients.clientOf(req({ authorization: forged(alice) }))).toBe('ip:10.0.0.9');
      expect(
        await clients.clientOf(
          req({
            authorization: `Bearer ${await new TokenSigner(generatePassKeys().signingKey).sign({ userId: alice, tokenId: uuid(), concertId: 1 }, 60)}`,
          }),
        ),
      ).toBe('ip:10.0.0.9');
      expect(await clients.clientOf(req({ authorization: 'Bearer garbage' }))).toBe('ip:10.0.0.9');
      // An EventSource's stream ticket names its fan; a pass where a ticket goes names nobody.
      const claims = { userId: alice, tokenId: uuid(), concertId: 1 };
      const { ticket } = signer.signStreamTicket(claims, 60, Date.now() + 3_600_000);
      const events = (t: string) => `/queue/tokens/me/events?ticket=${t}`;
      expect(await clients.clientOf(req({}, events(ticket)))).toBe(`sub:${alice}`);
      expect(await clients.clientOf(req({}, `/Queue/Tokens/ME/events?ticket=${ticket}`))).toBe(
        `sub:${alice}`,
      );
      const pass = await signer.sign(claims, 60);
      expect(await clients.clientOf(req({}, events(pass)))).toBe('ip:10.0.0.9');
      // Anywhere else a ticket names nobody (ADR 0026: it authorizes nothing else).
      for (const url of [
        `/queue/tokens/me?ticket=${ticket}`,
        `/reservations?ticket=${ticket}`,
        `/concerts/1/events?ticket=${ticket}`,
      ])
        expect({ url, client: await clients.clientOf(req({}, url)) }).toEqual({
          url,
          client: 'ip:10.0.0.9',
        });
    } finally {
      identity.stop();
    }
  });

  it.each([
    ['/queue/tokens/me/', '/queue/tokens/me'],
    ['/queue/tokens/%6De', '/queue/tokens/me'],
    ['/QUEUE//tokens/me', '/queue/tokens/me'],
    ['/', '/'],
    ['/bad%zz', '/bad%zz'],
  ])('when the path is %s, then the route is %s', (path, route) => {
    expect(canonicalPath(path)).toBe(route);
  });

  it('when the client is behind trusted proxies, then it is the right-most hop they did not write; from elsewhere, the socket', () => {
    const proxies = new TrustedProxies(
      trustedProxiesEnv().parse('10.1.0.0/16, 192.168.0.7, fd00::/8'),
    );
    const from = (socket: string, xff?: string) =>
      proxies.clientAddress({
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
        socket: { remoteAddress: socket },
      } as never);
    expect(from('10.1.2.3', '9.9.9.9, 8.8.8.8, 192.168.0.7')).toBe('8.8.8.8');
    expect(from('::ffff:10.1.2.3', '8.8.8.8')).toBe('8.8.8.8');
    expect(from('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
    expect(from('8.8.4.4', '1.1.1.1')).toBe('8.8.4.4'); // not a trusted proxy: its header is not believed
    expect(from('10.1.2.3', '10.1.9.9')).toBe('10.1.9.9'); // all trusted: the farthest
    expect(from('10.1.2.3')).toBe('10.1.2.3');
    expect(() => trustedProxiesEnv().parse('10.0.0.0/33')).toThrow(/prefix/);
    expect(() => trustedProxiesEnv().parse('ingress')).toThrow(/not an address/);
  });

  it('when budgets are on and the pass keys are missing or a shared secret, then the configuration names QUEUE_PASS_PUBLIC_KEYS', () => {
    expect(() => loadGatewayConfig({})).toThrow(ConfigError);
    expect(() => loadGatewayConfig({})).toThrow(/QUEUE_PASS_PUBLIC_KEYS/);
    expect(() =>
      loadGatewayConfig({ QUEUE_PASS_PUBLIC_KEYS: 'change-me-0123456789abcdef' }),
    ).toThrow(/QUEUE_PASS_PUBLIC_KEYS/);
    expect(() => loadGatewayConfig({ GATEWAY_RATE_LIMIT: 'false' })).not.toThrow();
  });
});
