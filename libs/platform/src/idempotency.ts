import { createHash } from 'node:crypto';
import { AppError } from './errors';

/**
 * What a request under an Idempotency-Key is known by: a digest of what it asks (as JSON), kept
 * with the key so that the key's next use can be told apart from another request.
 */
export const requestHashOf = (request: unknown): string =>
  createHash('sha256').update(JSON.stringify(request)).digest('hex');

/**
 * One key, one request (API.md): a key first used with another request is refused with
 * IDEMPOTENCY_KEY_REUSED, whatever became of that first request.
 */
export function requireSameRequest(firstHash: string | null, hash: string): void {
  if (firstHash !== hash)
    throw new AppError({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: 'this Idempotency-Key was used with a different request',
    });
}
