import { AppError } from '@ticketing/platform';
import type { Redis } from 'ioredis';
import { queueKeys } from './keys';
import type { QueueTokenClaims } from './token';

/** Where a queue pass stands in its concert's queue. */
export type Admission = { status: 'ACTIVE' } | { status: 'WAITING'; position: number };

/** A verified queue pass: who, for which concert, and where it stands now. */
export interface QueuePass extends QueueTokenClaims {
  kind: 'queue-pass';
  admission: Admission;
}

/** How a service learns a pass's admission: ACTIVE, WAITING (with position) or GONE (spent). */
export interface AdmissionSource {
  admissionOf(claims: QueueTokenClaims): Promise<Admission | 'GONE'>;
}

/** One Redis round trip on the queue's keys (read only: the queue service owns them). */
export class RedisAdmissionSource implements AdmissionSource {
  constructor(private readonly redis: Redis) {}

  async admissionOf(claims: QueueTokenClaims): Promise<Admission | 'GONE'> {
    const found = await this.lookup(claims);
    return found === 'GONE' || found.status === 'WAITING' ? found : { status: 'ACTIVE' };
  }

  /** The admission, and for an ACTIVE pass until when (ms since epoch). */
  async lookup(
    claims: QueueTokenClaims,
  ): Promise<{ status: 'ACTIVE'; untilMs: number } | Admission | 'GONE'> {
    const keys = queueKeys(claims.concertId);
    const replies = await this.redis
      .pipeline()
      .zscore(keys.active, claims.tokenId)
      .zrank(keys.waiting, claims.tokenId)
      .exec();
    const activeUntil = replies?.[0]?.[1] as string | null;
    const rank = replies?.[1]?.[1] as number | null;
    if (activeUntil !== null && Number(activeUntil) > Date.now())
      return { status: 'ACTIVE', untilMs: Number(activeUntil) };
    if (rank !== null && rank !== undefined) return { status: 'WAITING', position: rank + 1 };
    return 'GONE';
  }
}

/**
 * The pass must be ACTIVE (403 TOKEN_NOT_ACTIVE with `position` while it waits) and, when the
 * resource belongs to a concert, for that concert (403 FORBIDDEN).
 */
export function requireAdmitted(pass: QueuePass, concertId?: number): void {
  if (concertId !== undefined && concertId !== pass.concertId) {
    throw AppError.forbidden(`the queue pass is for concert ${pass.concertId}, not ${concertId}`);
  }
  if (pass.admission.status === 'WAITING') {
    throw new AppError({
      code: 'TOKEN_NOT_ACTIVE',
      status: 403,
      detail: 'the queue pass is still waiting',
      extras: { position: pass.admission.position },
    });
  }
}
