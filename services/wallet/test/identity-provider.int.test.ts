import {
  PrivateOidcProvider,
  eventually,
  identityToken,
  metricValue,
  uuid,
} from '@ticketing/testing';
import { decodeProtectedHeader } from 'jose';
import type { WalletServiceHandle } from '../src/start';
import { WalletDeployment } from './harness';

/**
 * The identity provider as a service meets it over its life: not there yet when the service
 * starts, then there, then down for a while, then back with a new signing key. The service is
 * never restarted.
 */
describe('a service and its identity provider', () => {
  let provider: PrivateOidcProvider;
  let deployment: WalletDeployment;
  let wallet: WalletServiceHandle;

  beforeAll(async () => {
    provider = await PrivateOidcProvider.create();
    deployment = await WalletDeployment.create();
  });
  afterAll(async () => {
    await deployment.stop();
    await provider.destroy();
  });

  const balance = (userId: string, token: string) =>
    fetch(`${wallet.url}/wallets/${userId}`, { headers: { authorization: `Bearer ${token}` } });
  const ready = async () => {
    const res = await fetch(`${wallet.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  const jwksFetches = () => metricValue(wallet.url, 'identity_jwks_fetches_total');

  it('when the provider is down at start, then the service starts, says so, is not ready and answers 503; once the provider is up, it is ready without a restart', async () => {
    wallet = await deployment.startInstance({
      OIDC_ISSUER_URL: provider.issuer,
      OIDC_JWKS_COOLDOWN_SECONDS: '0',
    });
    const notReady = await ready();
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks['identity provider']).toMatch(/^failing: identity provider/);
    expect(deployment.logs()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: expect.stringContaining('identity provider not reachable'),
      }),
    );
    // A call that needs an identity cannot be decided yet: 503 with Retry-After, not 401 or 500.
    const early = await balance(uuid(), await identityToken());
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect(((await early.json()) as { code: string }).code).toBe('SERVICE_UNAVAILABLE');

    await provider.start();
    await eventually(async () => expect((await ready()).status).toBe(200), { timeoutMs: 30_000 });
    const userId = uuid();
    const res = await balance(userId, await identityToken(userId, { issuer: provider.issuer }));
    expect(res.status).toBe(200);
  });

  it('when the provider goes down, then the keys it published keep verifying its tokens', async () => {
    const userId = uuid();
    const token = await identityToken(userId, { issuer: provider.issuer });
    await provider.stop();
    expect((await balance(userId, token)).status).toBe(200);
    expect((await ready()).status).toBe(200);
    await provider.start();
  });

  it('when the provider rotates its signing key, then tokens of the new key are accepted at once (one JWKS fetch) and those of the old key still are', async () => {
    const before = { userId: uuid() };
    const oldToken = await identityToken(before.userId, { issuer: provider.issuer });
    expect((await balance(before.userId, oldToken)).status).toBe(200);
    const fetchesBefore = await jwksFetches();

    await provider.stop();
    const newKid = provider.rotateKeys();
    await provider.start();
    const after = uuid();
    const newToken = await identityToken(after, { issuer: provider.issuer });
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);

    expect((await balance(after, newToken)).status).toBe(200);
    expect(await jwksFetches()).toBe(fetchesBefore + 1);
    expect((await balance(before.userId, oldToken)).status).toBe(200);
    expect(await jwksFetches()).toBe(fetchesBefore + 1);
  });
});
