import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { z } from 'zod';
import { secret } from '@ticketing/platform';
import { keyResolver, type KeyFor } from './signature-thread';

export interface QueueTokenClaims {
  userId: string;
  tokenId: string;
  concertId: number;
}

/** The `iss` of every queue pass: how a bearer token is told apart from an identity token. */
export const QUEUE_TOKEN_ISSUER = 'ticketing-queue';
const ISSUER = QUEUE_TOKEN_ISSUER;

/** Asymmetric only (ADR 0015): the queue signs, every other process can only verify. */
const ALGORITHMS = { Ed25519: 'EdDSA', 'P-256': 'ES256' } as const;
type Algorithm = (typeof ALGORITHMS)[keyof typeof ALGORITHMS];

const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** RFC 7638 thumbprint of a public JWK: its `kid` when it names none. */
function thumbprint(jwk: JWK): string {
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

const algorithmOf = (jwk: JWK): Algorithm | undefined =>
  (jwk.kty === 'OKP' || jwk.kty === 'EC') && jwk.crv && jwk.crv in ALGORITHMS
    ? ALGORITHMS[jwk.crv as keyof typeof ALGORITHMS]
    : undefined;

/** A public JWK as verifiers publish it: kid, alg, use, and no private part. */
function publicJwk(jwk: JWK): JWK {
  const { d: _d, ...pub } = jwk;
  return { ...pub, kid: jwk.kid ?? thumbprint(pub), alg: algorithmOf(jwk), use: 'sig' };
}

function parseJson(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * QUEUE_PASS_SIGNING_KEY: the queue's private key, a JWK (JSON) of an Ed25519 (EdDSA) or P-256
 * (ES256) key. `npm run secrets` (or `generatePassKeys`) makes one.
 */
export const signingKeyEnv = () =>
  secret(
    z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .refine((v) => {
          const jwk = parseJson(v) as JWK | undefined;
          return Boolean(jwk && typeof jwk.d === 'string' && algorithmOf(jwk));
        }, 'must be a private JWK (JSON) of an Ed25519 or P-256 key')
        .transform((v) => JSON.parse(v) as JWK),
    ),
    // Its private part is the secret (an example one is refused in production).
    (raw) => (parseJson(raw) as JWK | undefined)?.d,
  );

/** QUEUE_PASS_PUBLIC_KEYS: the public keys passes are verified with, a JWKS (JSON). */
export const publicKeysEnv = () =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine((v) => {
        const set = parseJson(v) as JSONWebKeySet | undefined;
        return Boolean(
          set &&
          Array.isArray(set.keys) &&
          set.keys.length > 0 &&
          set.keys.every((k) => algorithmOf(k) && k.d === undefined),
        );
      }, 'must be a JWKS (JSON: {"keys": [...]}) of Ed25519 or P-256 public keys')
      .transform((v) => ({ keys: (JSON.parse(v) as JSONWebKeySet).keys.map(publicJwk) })),
  );

/** A fresh Ed25519 key pair for passes: the private JWK and the JWKS of its public key. */
export function generatePassKeys(): { signingKey: string; publicKeys: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = thumbprint(jwk);
  return {
    signingKey: JSON.stringify({ ...jwk, kid, alg: 'EdDSA' }),
    publicKeys: JSON.stringify({ keys: [publicJwk({ ...jwk, kid })] }),
  };
}

/** Signs queue passes with the queue's private key (the queue service alone holds it). */
export class TokenSigner {
  private readonly key: KeyObject;
  private readonly alg: Algorithm;
  readonly kid: string;
  /** The public half, as QUEUE_PASS_PUBLIC_KEYS publishes it. */
  readonly publicKeys: JSONWebKeySet;

  constructor(signingKey: JWK | string) {
    const jwk = typeof signingKey === 'string' ? (JSON.parse(signingKey) as JWK) : signingKey;
    const alg = algorithmOf(jwk);
    if (!alg || typeof jwk.d !== 'string')
      throw new Error('QUEUE_PASS_SIGNING_KEY must be a private Ed25519 or P-256 JWK');
    this.alg = alg;
    this.key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    const pub = publicJwk(jwk);
    this.kid = pub.kid!;
    createPublicKey({ key: pub as never, format: 'jwk' }); // the public half must import too
    this.publicKeys = { keys: [pub] };
  }

  /** sub = user, jti = token id (the place), cid = concert. Status lives in Redis, not here. */
  sign(claims: QueueTokenClaims, maxAgeSeconds: number, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    return new SignJWT({ cid: claims.concertId })
      .setProtectedHeader({ alg: this.alg, kid: this.kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + maxAgeSeconds)
      .sign(this.key);
  }
}

/** Verifies queue passes against the queue's public keys (several during a rotation). */
export class PassVerifier {
  private readonly keys: KeyFor;

  constructor(publicKeys: JSONWebKeySet) {
    // One key per kid: the same key named twice (the queue's own, and in the published set)
    // would make jose refuse every pass as ambiguous.
    const byKid = new Map<string, JWK>();
    for (const key of publicKeys.keys) byKid.set(key.kid ?? thumbprint(key), key);
    this.keys = keyResolver({ keys: [...byKid.values()] });
  }

  /** Signature, algorithm, issuer, expiry and claim shapes; throws InvalidTokenError. */
  async verify(token: string, now = Date.now()): Promise<QueueTokenClaims> {
    return (await this.verifyWithExpiry(token, now)).claims;
  }

  /** As `verify`, with the token's expiry (ms since epoch). */
  async verifyWithExpiry(
    token: string,
    now = Date.now(),
  ): Promise<{ claims: QueueTokenClaims; expiresAtMs: number }> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        algorithms: Object.values(ALGORITHMS),
        issuer: ISSUER,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'jti', 'exp'],
      });
      const concertId = payload.cid;
      if (typeof concertId !== 'number' || !Number.isInteger(concertId) || concertId <= 0) {
        throw new InvalidTokenError('malformed claims');
      }
      return {
        claims: { userId: payload.sub!, tokenId: payload.jti!, concertId },
        expiresAtMs: payload.exp! * 1000,
      };
    } catch (e) {
      if (e instanceof InvalidTokenError) throw e;
      if (e instanceof errors.JWTExpired) throw new InvalidTokenError('expired');
      if (e instanceof errors.JOSEError)
        throw new InvalidTokenError(
          e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ||
            e.code === 'ERR_JWKS_NO_MATCHING_KEY'
            ? 'bad signature'
            : 'malformed',
        );
      throw new InvalidTokenError('malformed');
    }
  }
}

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`token ${reason}`);
    this.name = 'InvalidTokenError';
  }
}
