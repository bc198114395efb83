import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK, type JWK } from 'jose';
import { ACCESS_TOKEN_TYPES, KeySetChecks } from '../src/jwt-checks';

const ISSUER = 'https://id.example.com';
const OPTIONS = {
  issuer: ISSUER,
  audience: 'ticketing',
  algorithms: ['RS256', 'ES256', 'EdDSA'],
  clockToleranceSeconds: 30,
  requiredClaims: ['sub', 'exp'],
  types: ACCESS_TOKEN_TYPES,
};

function rsaKey(kid?: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey,
    publicKey,
    jwk: async (): Promise<JWK> => ({ ...(await exportJWK(publicKey)), ...(kid && { kid }) }),
  };
}

/** A token as the provider issues one, with whatever the test changes. */
function tokenOf(
  key: ReturnType<typeof rsaKey>['privateKey'],
  options: {
    kid?: string;
    alg?: string;
    typ?: string;
    issuer?: string;
    audience?: string;
    exp?: number;
    nbf?: number;
    sub?: boolean;
  } = {},
) {
  const jwt = new SignJWT({})
    .setProtectedHeader({
      alg: options.alg ?? 'RS256',
      ...(options.kid && { kid: options.kid }),
      ...(options.typ && { typ: options.typ }),
    })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? 'ticketing')
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300);
  if (options.sub !== false) jwt.setSubject(randomUUID());
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key);
}

describe('checking tokens against a key set, synchronously', () => {
  const a = rsaKey('a');
  const b = rsaKey('b');
  let checks: KeySetChecks;

  beforeAll(async () => {
    checks = new KeySetChecks({ keys: [await a.jwk()] }, OPTIONS);
  });

  it('when a token of a known key is valid, then its claims come back', async () => {
    const token = await tokenOf(a.privateKey, { kid: 'a', typ: 'at+jwt' });
    expect(checks.check(token)).toEqual({
      ok: true,
      payload: expect.objectContaining({ iss: ISSUER, aud: 'ticketing', sub: expect.any(String) }),
    });
  });

  it.each([
    [
      'a key not in the set',
      'signed with an unknown key',
      async () => tokenOf(b.privateKey, { kid: 'b' }),
    ],
    [
      'a forged signature (another key, same kid)',
      'with a bad signature',
      async () => tokenOf(b.privateKey, { kid: 'a' }),
    ],
    [
      'another audience',
      'for another audience',
      async () => tokenOf(a.privateKey, { kid: 'a', audience: 'someone-else' }),
    ],
    [
      'another issuer',
      'of another issuer',
      async () => tokenOf(a.privateKey, { kid: 'a', issuer: 'https://evil.example' }),
    ],
    [
      'an expiry past the clock tolerance',
      'expired',
      async () => tokenOf(a.privateKey, { kid: 'a', exp: Math.floor(Date.now() / 1000) - 60 }),
    ],
    [
      'a not-before in the future',
      'not yet valid',
      async () => tokenOf(a.privateKey, { kid: 'a', nbf: Math.floor(Date.now() / 1000) + 120 }),
    ],
    [
      'no subject',
      'without a valid sub',
      async () => tokenOf(a.privateKey, { kid: 'a', sub: false }),
    ],
    [
      'the type of an ID token',
      'of another type',
      async () => tokenOf(a.privateKey, { kid: 'a', typ: 'id+jwt' }),
    ],
    ['not a JWT', 'malformed', async () => 'not.a.jwt'],
    ['nothing at all', 'malformed', async () => ''],
    ['a header that is not JSON', 'malformed', async () => 'bm90IGpzb24.e30.c2ln'],
  ])('when a token has %s, then it is refused: %s', async (_case, reason, token) => {
    expect(checks.check(await token())).toEqual({ ok: false, reason });
  });

  it('when a token names several audiences, then one of them must be ours', async () => {
    const sign = (audience: string[]) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'a' })
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setSubject(randomUUID())
        .setExpirationTime('5m')
        .sign(a.privateKey);
    expect(checks.check(await sign(['account', 'ticketing'])).ok).toBe(true);
    expect(checks.check(await sign(['account', 'billing']))).toEqual({
      ok: false,
      reason: 'for another audience',
    });
  });

  it('when a token expired within the clock tolerance, then it passes', async () => {
    const token = await tokenOf(a.privateKey, {
      kid: 'a',
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    expect(checks.check(token).ok).toBe(true);
  });

  it('when a token is unsigned (alg none) or HMAC-signed with the public key as secret, then the algorithm is refused', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'x' })
      .setIssuer(ISSUER)
      .setAudience('ticketing')
      .setExpirationTime('5m')
      .encode();
    const pem = a.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const confused = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'a' })
      .setIssuer(ISSUER)
      .setAudience('ticketing')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    for (const token of [unsigned, confused])
      expect(checks.check(token)).toEqual({
        ok: false,
        reason: 'signed with an algorithm that is not allowed',
      });
  });

  it('when the token names no kid, then the only key of its type checks it; with two such keys, it is ambiguous', async () => {
    const one = new KeySetChecks({ keys: [await rsaKey().jwk(), await a.jwk()] }, OPTIONS);
    expect(one.check(await tokenOf(a.privateKey, { kid: 'a' })).ok).toBe(true);
    const two = new KeySetChecks({ keys: [await rsaKey().jwk(), await rsaKey().jwk()] }, OPTIONS);
    expect(two.check(await tokenOf(a.privateKey))).toEqual({
      ok: false,
      reason: 'signed with an ambiguous key',
    });
  });

  it('when the set holds keys of several types, then an ES256 and an EdDSA token each find theirs', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    const set = new KeySetChecks(
      {
        keys: [
          await a.jwk(),
          { ...(await exportJWK(ec.publicKey)), kid: 'ec' },
          { ...(await exportJWK(ed.publicKey)), kid: 'ed' },
        ],
      },
      OPTIONS,
    );
    expect(set.check(await tokenOf(ec.privateKey as never, { kid: 'ec', alg: 'ES256' })).ok).toBe(
      true,
    );
    expect(set.check(await tokenOf(ed.privateKey as never, { kid: 'ed', alg: 'EdDSA' })).ok).toBe(
      true,
    );
    // An ES256 token naming the RSA key's kid finds no key of its type.
    expect(set.check(await tokenOf(ec.privateKey as never, { kid: 'a', alg: 'ES256' }))).toEqual({
      ok: false,
      reason: 'signed with an unknown key',
    });
  });
});
