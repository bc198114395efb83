import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

export interface QueueTokenClaims {
  userId: string;
  tokenId: string;
  concertId: number;
}

/** The `iss` of every queue pass: how a bearer token is told apart from an identity token. */
export const QUEUE_TOKEN_ISSUER = 'ticketing-queue';
const ISSUER = QUEUE_TOKEN_ISSUER;

export class TokenSigner {
  /** A KeyObject made once: given raw bytes, jose builds one on every sign and verify. */
  private readonly key: KeyObject;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('QUEUE_TOKEN_SECRET must be at least 32 characters');
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** HS256 JWT: sub = user, jti = token id, cid = concert. Status lives in Redis, not here. */
  sign(claims: QueueTokenClaims, maxAgeSeconds: number, now = Date.now()): Promise<string> {
    const iat = Math.floor(now / 1000);
    return new SignJWT({ cid: claims.concertId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(claims.userId)
      .setJti(claims.tokenId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + maxAgeSeconds)
      .sign(this.key);
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
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
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
          e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'bad signature' : 'malformed',
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
