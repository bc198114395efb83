import { AppError, type RedisClient } from '@ticketing/platform';
import type { QueueTokenClaims } from './pass-token';
import { REBUILDING, readPlace, stateOfPlace } from './place-record';
import { placeOf } from './redis-layout';

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

/**
 * One Redis round trip on the queue's keys (read only: the queue service owns them): the store
 * must not name another holder of the pass's number (a pass for another user's number is
 * refused; an entry the store lost is not: the pass is signed, ADR 0024), and the number must
 * be admitted and still active, or still in line. 503 while the queue rebuilds a lost line.
 */
export class RedisAdmissionSource implements AdmissionSource {
  constructor(private readonly redis: RedisClient) {}

  async admissionOf(claims: QueueTokenClaims): Promise<Admission | 'GONE'> {
    const found = await this.lookup(claims);
    return found === 'GONE' || found.status === 'WAITING' ? found : { status: 'ACTIVE' };
  }

  /**
   * The admission, and for an ACTIVE pass until when (ms since epoch). A waiting pass's
   * position is the count of numbers ahead of it: an upper bound (the queue itself, which
   * knows who left, tells the exact one).
   */
  async lookup(
    claims: QueueTokenClaims,
  ): Promise<{ status: 'ACTIVE'; untilMs: number } | Admission | 'GONE'> {
    const place = placeOf(claims.tokenId);
    if (!place) return 'GONE';
    const record = await readPlace(this.redis, claims);
    // The store lost the line and the queue is rebuilding it (ADR 0024): neither 401 nor 403.
    if (record === REBUILDING)
      throw AppError.unavailable('the waiting room is rebuilding its line: try again in a moment');
    const state = stateOfPlace(record, place.number, Date.now());
    if (state.status === 'GONE') return 'GONE';
    if (state.status === 'ACTIVE') return state;
    return { status: 'WAITING', position: state.numbersAhead + 1 };
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
      detail: 'the queue pass is still waiting',
      extras: { position: pass.admission.position },
    });
  }
}
