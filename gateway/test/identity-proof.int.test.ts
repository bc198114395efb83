import { IDENTITY_PROOF_HEADER, IdentityProofs, generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import { captureLogs, identityToken, randomSuffix, testInfra, uuid } from '@ticketing/testing';
import { loadGatewayConfig } from '../src/config';
import { start, type GatewayHandle } from '../src/start';
import { Upstream } from './upstream';

/** ADR 0019: the gateway verifies an identity once and vouches for it to the service. */
describe('identity verified once per request path', () => {
  const key = generateIdentityProofKey();
  const proofs = new IdentityProofs(key);
  let upstream: Upstream;
  let gateway: GatewayHandle;
  let unkeyed: GatewayHandle;

  beforeAll(async () => {
    upstream = await new Upstream('any').start();
    const config = (extra: Record<string, string>) =>
      loadGatewayConfig({
        GATEWAY_PORT: '0',
        REDIS_URL: testInfra().redisUrl,
        REDIS_KEY_PREFIX: `proof-${randomSuffix()}:`,
        GATEWAY_WRITE_PER_SECOND: '1000',
        GATEWAY_WRITE_BURST: '1000',
        QUEUE_PASS_PUBLIC_KEYS: generatePassKeys().publicKeys,
        OIDC_ISSUER_URL: testInfra().oidcIssuer,
        QUEUE_URLS: upstream.url,
        CONCERT_URLS: upstream.url,
        RESERVATION_URLS: upstream.url,
        WALLET_URLS: upstream.url,
        PAYMENT_URLS: upstream.url,
        ...extra,
      });
    const { logger } = captureLogs('gateway');
    gateway = await start(config({ IDENTITY_PROOF_KEY: key }), { logger });
    unkeyed = await start(config({}), { logger });
  });
  afterAll(async () => {
    await gateway?.stop();
    await unkeyed?.stop();
    await upstream?.stop();
  });

  /** What the service saw of a join sent with these headers. */
  const seenBy = async (via: GatewayHandle, headers: Record<string, string>) => {
    const marker = uuid();
    const res = await fetch(`${via.url}/queue/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': marker, ...headers },
      body: '{"concertId":1}',
    });
    expect(res.status).toBe(200);
    return upstream.seen.find((s) => s.headers['x-request-id'] === marker)!.headers;
  };

  it("when the gateway verified a fan's identity token, then the service receives its seal, which opens for that token alone", async () => {
    const fan = uuid();
    const token = await identityToken(fan);
    const headers = await seenBy(gateway, { authorization: `Bearer ${token}` });
    const seal = headers[IDENTITY_PROOF_HEADER] as string;
    expect(proofs.open(seal, token, Date.now(), 0)).toEqual({
      kind: 'identity',
      userId: fan,
      admin: false,
    });
    expect(proofs.open(seal, await identityToken(uuid()), Date.now(), 0)).toBeUndefined();
  });

  it('when a client writes a seal of its own, then the service never sees it: the gateway vouches, or nobody does', async () => {
    const fan = uuid();
    const token = await identityToken(fan);
    const own = proofs.seal(
      { kind: 'identity', userId: 'mallory', admin: true },
      Date.now() + 60_000,
      token,
    );
    const forged = `${token.slice(0, token.lastIndexOf('.'))}.c2ln`;
    const withForgedToken = await seenBy(gateway, {
      authorization: `Bearer ${forged}`,
      [IDENTITY_PROOF_HEADER]: own,
    });
    expect(withForgedToken[IDENTITY_PROOF_HEADER]).toBeUndefined();
    const withRealToken = await seenBy(gateway, {
      authorization: `Bearer ${token}`,
      [IDENTITY_PROOF_HEADER]: own,
    });
    expect(
      proofs.open(withRealToken[IDENTITY_PROOF_HEADER] as string, token, Date.now(), 0),
    ).toEqual({
      kind: 'identity',
      userId: fan,
      admin: false,
    });
  });

  it('when the gateway has no IDENTITY_PROOF_KEY, then it vouches for nobody (each service verifies itself)', async () => {
    const headers = await seenBy(unkeyed, {
      authorization: `Bearer ${await identityToken(uuid())}`,
    });
    expect(headers[IDENTITY_PROOF_HEADER]).toBeUndefined();
  });
});
