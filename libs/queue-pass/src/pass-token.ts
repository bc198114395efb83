import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { decodeJwt, type JSONWebKeySet, type JWK } from 'jose';
import { derToJose } from 'ecdsa-sig-formatter';
import { z } from 'zod';
import { CREDENTIAL_QUERY_PARAMS } from '@ticketing/contracts';
import { KeySetChecks, env, secret, type Refusal } from '@ticketing/platform';

export interface QueueTokenClaims {
  userId: string;
  tokenId: string;
  concertId: number;
}

/** The `iss` of every queue pass: how a bearer token is told apart from an identity token. */
export const QUEUE_TOKEN_ISSUER = 'ticketing-queue';
const ISSUER = QUEUE_TOKEN_ISSUER;

/**
 * The `iss` of a stream ticket (ADR 0026): the queue's signature over a pass's claims that opens
 * its event stream and nothing else. Every other verifier demands another issuer (a pass's, the
 * identity provider's), so a ticket authorizes no other call.
 */
export const STREAM_TICKET_ISSUER = 'ticketing-queue-events';

/** The query parameter that carries a stream ticket (EventSource cannot send a header). */
export const STREAM_TICKET_PARAM = CREDENTIAL_QUERY_PARAMS[0];

/**
 * Which credential a bearer token claims to be, by its `iss`; undefined when it is not a JWT.
 * Unverified: it only picks the verifier, which then checks the signature.
 */
export function claimedCredential(token: string): 'queue-pass' | 'identity' | undefined {
  try {
    return decodeJwt(token).iss === QUEUE_TOKEN_ISSUER ? 'queue-pass' : 'identity';
  } catch {
    return undefined;
  }
}

/** Asymmetric only (ADR 0015): the queue signs, every other process can only verify. */
const ALGORITHMS = { Ed25519: 'EdDSA', 'P-256': 'ES256' } as const;
type Algorithm = (typeof ALGORITHMS)[keyof typeof ALGORITHMS];

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
    env.from(
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
  env.from(
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

/**
 * A fresh key pair for passes: the private JWK and the JWKS of its public key. P-256 (ES256): on
 * OpenSSL's optimised curve it signs and verifies faster than Ed25519 (ADR 0020), and a pass is
 * signed per join and verified per new pass seen by each process. Ed25519 keys are accepted as well.
 */
export function generatePassKeys(): { signingKey: string; publicKeys: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = thumbprint(jwk);
  return {
    signingKey: JSON.stringify({ ...jwk, kid, alg: 'ES256' }),
    publicKeys: JSON.stringify({ keys: [publicJwk({ ...jwk, kid })] }),
  };
}

/**
 * Signs queue passes with the queue's private key (the queue service alone holds it): a compact
 * JWS whose header is the same for every pass, so it is encoded once, and whose signature is one
 * node:crypto call on the event loop (ADR 0020), in JOSE's raw r‖s form for ES256. The key goes
 * to node:crypto as the KeyObject itself: Node 24 tells a KeyObject from an options object
 * (`{ key, dsaEncoding }`) by catching a thrown error, which cost more than the signature, so the
 * DER signature is converted to r‖s here (ADR 0034). Every pass is checked by fast-jwt's verifier.
 */
export class TokenSigner {
  private readonly key: KeyObject;
  private readonly alg: Algorithm;
  /** The base64url header and its dot: `{"alg":…,"typ":"JWT","kid":…}.` */
  private readonly head: string;
  readonly kid: string;
  /** The public half, as QUEUE_PASS_PUBLIC_KEYS publishes it. */
  readonly publicKeys: JSONWebKeySet;

  constructor(signingKey: JWK | string) {
    const jwk = typeof signingKey === 'string' ? (JSON.parse(signingKey) as JWK) : signingKey;
    const alg = algorithmOf(jwk);
    if (!alg || typeof jwk.d !== 'string')
      throw new Error('QUEUE_PASS_SIGNING_KEY must be a private Ed25519 or P-256 JWK');
    this.key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    this.alg = alg;
    const pub = publicJwk(jwk);
    this.kid = pub.kid!;
    createPublicKey({ key: pub as never, format: 'jwk' }); // the public half must import too
    this.publicKeys = { keys: [pub] };
    const header = JSON.stringify({ alg, typ: 'JWT', kid: this.kid });
    this.head = `${Buffer.from(header).toString('base64url')}.`;
  }

  /** sub = user, jti = token id (the place), cid = concert. Status lives in Redis, not here. */
  sign(claims: QueueTokenClaims, maxAgeSeconds: number, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    return Promise.resolve(this.signAs(ISSUER, claims, iat, iat + maxAgeSeconds));
  }

  /**
   * A stream ticket for the pass of `claims`: the same claims, the events' own issuer. It ends
   * `ttlSeconds` from now, or when the pass does (`passExpiresAtMs`) if that is sooner: a ticket
   * never outlives the pass it stands for. `expiresAtMs`: its `exp`.
   */
  signStreamTicket(
    claims: QueueTokenClaims,
    ttlSeconds: number,
    passExpiresAtMs: number,
    now = Date.now(),
  ): { ticket: string; expiresAtMs: number } {
    const iat = Math.floor(now / 1000);
    const exp = Math.min(iat + ttlSeconds, Math.floor(passExpiresAtMs / 1000));
    return { ticket: this.signAs(STREAM_TICKET_ISSUER, claims, iat, exp), expiresAtMs: exp * 1000 };
  }

  private signAs(issuer: string, claims: QueueTokenClaims, iat: number, exp: number): string {
    const payload = JSON.stringify({
      cid: claims.concertId,
      iss: issuer,
      sub: claims.userId,
      jti: claims.tokenId,
      iat,
      exp,
    });
    const input = this.head + Buffer.from(payload).toString('base64url');
    const signature =
      this.alg === 'ES256'
        ? derToJose(sign('sha256', Buffer.from(input), this.key), 'ES256')
        : sign(null, Buffer.from(input), this.key).toString('base64url');
    return `${input}.${signature}`;
  }
}

/**
 * Verifies queue passes against the queue's public keys (several during a rotation); with
 * STREAM_TICKET_ISSUER, stream tickets instead (and then never a pass).
 */
export class PassVerifier {
  private readonly checks: KeySetChecks;

  constructor(
    publicKeys: JSONWebKeySet,
    issuer: typeof ISSUER | typeof STREAM_TICKET_ISSUER = ISSUER,
  ) {
    // One key per kid: the same key named twice (the queue's own, and in the published set)
    // would make every pass ambiguous.
    const byKid = new Map<string, JWK>();
    for (const key of publicKeys.keys) byKid.set(key.kid ?? thumbprint(key), key);
    this.checks = new KeySetChecks(
      { keys: [...byKid.values()] },
      {
        algorithms: Object.values(ALGORITHMS),
        issuer,
        requiredClaims: ['sub', 'jti', 'exp'],
      },
    );
  }

  /** Signature, algorithm, issuer, expiry and claim shapes; throws InvalidTokenError. */
  async verify(token: string): Promise<QueueTokenClaims> {
    return (await this.verifyWithExpiry(token)).claims;
  }

  /** As `verify`, with the token's expiry (ms since epoch). */
  async verifyWithExpiry(
    token: string,
  ): Promise<{ claims: QueueTokenClaims; expiresAtMs: number }> {
    const outcome = this.checks.check(token);
    if (!outcome.ok) throw new InvalidTokenError(PASS_REFUSALS[outcome.reason] ?? 'malformed');
    const { payload } = outcome;
    const concertId = payload.cid;
    if (
      typeof concertId !== 'number' ||
      !Number.isInteger(concertId) ||
      concertId <= 0 ||
      typeof payload.sub !== 'string' ||
      typeof payload.jti !== 'string' ||
      typeof payload.exp !== 'number'
    )
      throw new InvalidTokenError('malformed claims');
    return {
      claims: { userId: payload.sub, tokenId: payload.jti, concertId },
      expiresAtMs: payload.exp * 1000,
    };
  }
}

/** What a pass's refusal is called (any other: malformed). */
const PASS_REFUSALS: Partial<Record<Refusal, string>> = {
  expired: 'expired',
  'with a bad signature': 'bad signature',
  'signed with an unknown key': 'bad signature',
};

export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`token ${reason}`);
    this.name = 'InvalidTokenError';
  }
}
