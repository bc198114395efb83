import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, jwtVerify } from 'jose';
import { ConfigError, loadConfig } from '@ticketing/platform';
import {
  InvalidTokenError,
  PassVerifier,
  STREAM_TICKET_ISSUER,
  claimedCredential,
  TokenSigner,
  generatePassKeys,
  publicKeysEnv,
  signingKeyEnv,
} from '../src/pass-token';

const keys = generatePassKeys();
const claims = {
  userId: '6f1c1c4e-8a7e-4d0b-9a55-1c1f1b7b0c11',
  tokenId: '0b0e7b1e-6f6c-4f55-9a3e-0f3f2b6e9a21',
  concertId: 7,
};

describe('queue passes: signed by the queue alone, verified by anyone with its public key', () => {
  const signer = new TokenSigner(keys.signingKey);
  const verifier = new PassVerifier(JSON.parse(keys.publicKeys));

  it('when a pass is signed and verified, then the claims come back, with ES256 and a kid', async () => {
    const token = await signer.sign(claims, 60);
    await expect(verifier.verify(token)).resolves.toEqual(claims);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: signer.kid });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(payload).toEqual({
      iss: 'ticketing-queue',
      sub: claims.userId,
      jti: claims.tokenId,
      cid: claims.concertId,
      iat: expect.any(Number),
      exp: payload.iat + 60,
    });
    // The signature is JOSE's raw r‖s (RFC 7518 §3.4), not DER: another library agrees.
    const publicKey = createPublicKey({ key: JSON.parse(keys.publicKeys).keys[0], format: 'jwk' });
    await expect(jwtVerify(token, publicKey, { issuer: 'ticketing-queue' })).resolves.toMatchObject(
      { protectedHeader: { alg: 'ES256', kid: signer.kid }, payload: { sub: claims.userId } },
    );
  });

  it('when the key is an Ed25519 key, then passes are EdDSA and verify the same (jose agrees)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const ed = new TokenSigner(JSON.stringify(privateKey.export({ format: 'jwk' })));
    const token = await ed.sign(claims, 60);
    await expect(new PassVerifier(ed.publicKeys).verify(token)).resolves.toEqual(claims);
    await expect(jwtVerify(token, publicKey, { issuer: 'ticketing-queue' })).resolves.toMatchObject(
      { protectedHeader: { alg: 'EdDSA' }, payload: { sub: claims.userId } },
    );
  });

  it('when a stream ticket is minted for a pass that ends sooner than the ticket would, then the ticket ends with the pass', async () => {
    const tickets = new PassVerifier(JSON.parse(keys.publicKeys), STREAM_TICKET_ISSUER);
    const now = Date.now();
    const passExpiresAtMs = (Math.floor(now / 1000) + 10) * 1000;
    const { ticket, expiresAtMs } = signer.signStreamTicket(claims, 120, passExpiresAtMs, now);
    expect(expiresAtMs).toBe(passExpiresAtMs);
    await expect(tickets.verifyWithExpiry(ticket)).resolves.toEqual({
      claims,
      expiresAtMs: passExpiresAtMs,
    });
  });

  it('when the pass outlives the ticket’s time, then the ticket ends after its time', async () => {
    const tickets = new PassVerifier(JSON.parse(keys.publicKeys), STREAM_TICKET_ISSUER);
    const now = Date.now();
    const { ticket, expiresAtMs } = signer.signStreamTicket(claims, 120, now + 86_400_000, now);
    expect(expiresAtMs).toBe((Math.floor(now / 1000) + 120) * 1000);
    await expect(tickets.verifyWithExpiry(ticket)).resolves.toEqual({ claims, expiresAtMs });
  });

  it('when the pass is expired, then it is rejected as expired', async () => {
    const token = await signer.sign(claims, 60, Date.now() - 120_000);
    await expect(verifier.verify(token)).rejects.toThrow(new InvalidTokenError('expired'));
  });

  it('when the pass was signed with another key (forged), then it is rejected', async () => {
    const forged = await new TokenSigner(generatePassKeys().signingKey).sign(claims, 60);
    await expect(verifier.verify(forged)).rejects.toThrow(InvalidTokenError);
  });

  it('when a rotation publishes the old key beside the new, then passes of both verify', async () => {
    const next = generatePassKeys();
    const both = new PassVerifier({
      keys: [...JSON.parse(keys.publicKeys).keys, ...JSON.parse(next.publicKeys).keys],
    });
    await expect(both.verify(await signer.sign(claims, 60))).resolves.toEqual(claims);
    const newer = await new TokenSigner(next.signingKey).sign(claims, 60);
    await expect(both.verify(newer)).resolves.toEqual(claims);
  });

  it('when the payload was altered, then the signature no longer matches', async () => {
    const [header, , signature] = (await signer.sign(claims, 60)).split('.');
    const payload = Buffer.from(
      JSON.stringify({
        sub: claims.userId,
        jti: claims.tokenId,
        cid: 8,
        iss: 'ticketing-queue',
        exp: 9e9,
      }),
    ).toString('base64url');
    await expect(verifier.verify(`${header}.${payload}.${signature}`)).rejects.toThrow(
      InvalidTokenError,
    );
  });

  it('when the pass is unsigned (alg none) or HMAC-signed with the public key, then it is rejected', async () => {
    const unsecured = new UnsecuredJWT({ cid: 7 })
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setIssuer('ticketing-queue')
      .setExpirationTime('1h')
      .encode();
    await expect(verifier.verify(unsecured)).rejects.toThrow(InvalidTokenError);
    const hmac = await new SignJWT({ cid: 7 })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ticketing-queue')
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(keys.publicKeys));
    await expect(verifier.verify(hmac)).rejects.toThrow(InvalidTokenError);
  });

  it('when a claim is missing or malformed, then it is rejected', async () => {
    const key = createPrivateKey({ key: JSON.parse(keys.signingKey), format: 'jwk' });
    const kid = signer.kid;
    const noConcert = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('ticketing-queue')
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setExpirationTime('1h')
      .sign(key);
    await expect(verifier.verify(noConcert)).rejects.toThrow(
      new InvalidTokenError('malformed claims'),
    );
    const noJti = await new SignJWT({ cid: 7 })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer('ticketing-queue')
      .setSubject(claims.userId)
      .setExpirationTime('1h')
      .sign(key);
    await expect(verifier.verify(noJti)).rejects.toThrow(InvalidTokenError);
  });

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.e30'])(
    'when the pass is "%s", then it is rejected as malformed',
    async (token) => {
      await expect(verifier.verify(token)).rejects.toThrow(InvalidTokenError);
    },
  );
});

describe('pass keys in the configuration', () => {
  const shape = {
    QUEUE_PASS_SIGNING_KEY: signingKeyEnv(),
    QUEUE_PASS_PUBLIC_KEYS: publicKeysEnv(),
  };

  it('when the keys are a private JWK and a JWKS of public keys, then they load', () => {
    const config = loadConfig(shape, {
      QUEUE_PASS_SIGNING_KEY: keys.signingKey,
      QUEUE_PASS_PUBLIC_KEYS: keys.publicKeys,
    });
    expect(config.QUEUE_PASS_PUBLIC_KEYS.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256' });
  });

  it.each([
    [
      'a shared secret',
      'change-me-in-production-0123456789abcdef',
      keys.publicKeys,
      'QUEUE_PASS_SIGNING_KEY',
    ],
    [
      'a public key where the private one goes',
      JSON.parse(keys.publicKeys).keys[0],
      keys.publicKeys,
      'QUEUE_PASS_SIGNING_KEY',
    ],
    [
      'a private key among the public ones',
      keys.signingKey,
      JSON.stringify({ keys: [JSON.parse(keys.signingKey)] }),
      'QUEUE_PASS_PUBLIC_KEYS',
    ],
    [
      'a symmetric key',
      keys.signingKey,
      JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }),
      'QUEUE_PASS_PUBLIC_KEYS',
    ],
  ])(
    'when given %s, then the configuration names the variable',
    (_what, signing, pub, variable) => {
      const load = () =>
        loadConfig(shape, {
          QUEUE_PASS_SIGNING_KEY: typeof signing === 'string' ? signing : JSON.stringify(signing),
          QUEUE_PASS_PUBLIC_KEYS: pub,
        });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(new RegExp(variable));
    },
  );
});

describe('a verifier given the same key twice', () => {
  it('when the published set repeats the signing key, then passes still verify (one key per kid)', async () => {
    const signer = new TokenSigner(keys.signingKey);
    const twice = new PassVerifier({
      keys: [...signer.publicKeys.keys, ...JSON.parse(keys.publicKeys).keys],
    });
    await expect(twice.verify(await signer.sign(claims, 60))).resolves.toEqual(claims);
  });
});

describe('which credential a bearer token claims to be (the gateway and the services pick a verifier by it)', () => {
  it('when the token is a queue pass, then it claims to be a queue pass', async () => {
    const token = await new TokenSigner(keys.signingKey).sign(claims, 60);
    expect(claimedCredential(token)).toBe('queue-pass');
  });

  it('when the token is a JWT of another issuer, or of none, then it claims to be an identity', () => {
    const other = new UnsecuredJWT({ sub: claims.userId })
      .setIssuer('https://idp.example')
      .encode();
    expect(claimedCredential(other)).toBe('identity');
    expect(claimedCredential(new UnsecuredJWT({}).encode())).toBe('identity');
  });

  it('when the token is not a JWT, then it claims nothing', () => {
    for (const token of [
      '',
      'abc',
      'a.b.c',
      `x.${Buffer.from('not json').toString('base64url')}.y`,
    ])
      expect(claimedCredential(token)).toBeUndefined();
  });
});
