import {
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { USER_ID_PATTERN } from '@ticketing/contracts';
import { env, secret } from '@ticketing/platform';
import type { Identity } from './caller-identity';

/**
 * The header over which the gateway tells a service whose identity token it verified on this
 * very request (ADR 0019). The gateway drops it from what clients send and writes its own.
 */
export const IDENTITY_PROOF_HEADER = 'x-verified-identity';

/** The shortest key taken: 32 bytes, HMAC-SHA256's own strength. */
const MIN_KEY_BYTES = 32;
const VERSION = 'v1';

/**
 * IDENTITY_PROOF_KEY: the key (base64url, ≥ 32 bytes) the gateway seals its verified identities
 * with and the services open them with. Unset: no proofs, every service verifies every identity
 * token itself (as before). A secret: production refuses an example or a short one when set.
 */
export const identityProofKeyEnv = () =>
  secret(
    env
      .optionalString()
      .refine(
        (v) => v === undefined || Buffer.from(v, 'base64url').length >= MIN_KEY_BYTES,
        `must be a base64url key of at least ${MIN_KEY_BYTES} bytes (openssl rand -base64 32 | tr '+/' '-_')`,
      ),
    (raw) => raw,
    { optional: true },
  );

/** A new IDENTITY_PROOF_KEY (what `npm run secrets` and a local run make). */
export const generateIdentityProofKey = (): string =>
  randomBytes(MIN_KEY_BYTES).toString('base64url');

/**
 * An identity verified once per request path: the gateway checks the token's signature (it has
 * to, to charge the caller's budget) and seals what it found, bound to that token and its
 * expiry, with a key it shares with the services; a service that opens the seal takes the
 * identity without checking the signature again. An HMAC costs a few microseconds where an RS256
 * check through jose costs tens to a hundred. A seal that does not open (another key, another
 * token, expired, malformed) proves nothing: the service verifies the token itself.
 */
export class IdentityProofs {
  /** A KeyObject, not the bytes: Node 24 takes bytes as a key through a thrown and caught error. */
  private readonly key: KeyObject;

  constructor(key: string) {
    const bytes = Buffer.from(key, 'base64url');
    if (bytes.length < MIN_KEY_BYTES)
      throw new Error(`IDENTITY_PROOF_KEY must hold at least ${MIN_KEY_BYTES} bytes`);
    this.key = createSecretKey(bytes);
  }

  /** The header value that vouches for `identity`, valid with `token` until `expMs`. */
  seal(identity: Identity, expMs: number, token: string): string {
    const head = `${VERSION}.${Math.floor(expMs / 1000)}.${identity.admin ? 1 : 0}`;
    return `${head}.${this.mac(head, identity.userId, token)}.${identity.userId}`;
  }

  /**
   * The identity a seal vouches for, if it was made with this key for this token and the token
   * has not expired (give or take `skewSeconds`, as its own verification would); else undefined.
   */
  open(value: string, token: string, nowMs: number, skewSeconds: number): Identity | undefined {
    const parts = value.split('.');
    if (parts.length < 5 || parts[0] !== VERSION) return undefined;
    const [, exp, admin, mac] = parts;
    const userId = parts.slice(4).join('.'); // a user id may hold dots
    if (!/^\d{1,12}$/.test(exp!) || (admin !== '0' && admin !== '1')) return undefined;
    if (Number(exp) * 1000 + skewSeconds * 1000 <= nowMs) return undefined;
    if (!USER_ID_PATTERN.test(userId)) return undefined;
    const expected = Buffer.from(this.mac(`${VERSION}.${exp}.${admin}`, userId, token));
    const given = Buffer.from(mac!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return { kind: 'identity', userId, admin: admin === '1' };
  }

  private mac(head: string, userId: string, token: string): string {
    return createHmac('sha256', this.key)
      .update(`${head}\n${userId}\n${token}`)
      .digest('base64url');
  }
}
