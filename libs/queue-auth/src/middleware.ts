import { AppError } from '@ticketing/platform';
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { queueKeys } from './keys';
import { InvalidTokenError, type QueueTokenClaims, type TokenSigner } from './token';

const BEARER = /^Bearer ([A-Za-z0-9_\-.]+)$/;

export function bearerToken(req: Request): string {
  const header = req.header('authorization');
  if (!header)
    throw AppError.unauthorized('TOKEN_MISSING', 'Authorization: Bearer <queue token> is required');
  const match = BEARER.exec(header.trim());
  if (!match)
    throw AppError.unauthorized('TOKEN_INVALID', 'Authorization must be "Bearer <queue token>"');
  return match[1]!;
}

export async function verifiedClaims(req: Request, signer: TokenSigner): Promise<QueueTokenClaims> {
  const token = bearerToken(req);
  try {
    return await signer.verify(token);
  } catch (e) {
    if (e instanceof InvalidTokenError)
      throw AppError.unauthorized('TOKEN_INVALID', `queue token ${e.reason}`);
    throw e;
  }
}

export interface ActiveTokenOptions {
  redis: Redis;
  signer: TokenSigner;
  /** The concert the route is about, when the path names one (token of another → 403). */
  concertOf?: (req: Request) => number | undefined;
}

/**
 * Protected routes: the token must be validly signed and unexpired (checked offline), and
 * ACTIVE in the queue's Redis (one round trip). 401 TOKEN_MISSING / TOKEN_INVALID, 403
 * TOKEN_NOT_ACTIVE with `position`, 403 FORBIDDEN for another concert. Handlers read the
 * claims with `queueTokenOf(res)`.
 */
export function requireActiveToken(options: ActiveTokenOptions): RequestHandler {
  return async (req, res, next) => {
    const claims = await verifiedClaims(req, options.signer);
    const wanted = options.concertOf?.(req);
    if (wanted !== undefined && wanted !== claims.concertId) {
      throw AppError.forbidden(`the queue token is for concert ${claims.concertId}, not ${wanted}`);
    }
    const keys = queueKeys(claims.concertId);
    const replies = await options.redis
      .pipeline()
      .zscore(keys.active, claims.tokenId)
      .zrank(keys.waiting, claims.tokenId)
      .exec();
    const activeUntil = replies?.[0]?.[1] as string | null;
    const rank = replies?.[1]?.[1] as number | null;
    if (activeUntil !== null && Number(activeUntil) > Date.now()) {
      res.locals.queueToken = claims;
      return next();
    }
    if (rank !== null && rank !== undefined) {
      throw new AppError({
        code: 'TOKEN_NOT_ACTIVE',
        status: 403,
        detail: 'the queue token is still waiting',
        extras: { position: rank + 1 },
      });
    }
    throw AppError.unauthorized('TOKEN_INVALID', 'queue token expired or revoked');
  };
}

export function queueTokenOf(res: Response): QueueTokenClaims {
  const claims = res.locals.queueToken as QueueTokenClaims | undefined;
  if (!claims) throw new Error('queueTokenOf() used on a route without requireActiveToken');
  return claims;
}
