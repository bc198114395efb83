import { randomUUID } from 'node:crypto';
import { TokenSigner } from '@ticketing/queue-pass';
import Redis from 'ioredis';
import { testPassKeys } from './env';
import { writeGrantedPlace } from './granted-place';

/**
 * An ACTIVE (or WAITING) queue pass for a test of a queue-gated service: its place written
 * (writeGrantedPlace) where the queue service keeps it, so the real pass check reads real
 * Redis, and the pass signed with the test keys.
 */
export async function grantActiveToken(options: {
  redisUrl: string;
  keyPrefix: string;
  /** The queue's private key (JWK JSON); this process's test keys when not given. */
  signingKey?: string;
  concertId: number;
  userId?: string;
  ttlMs?: number;
  status?: 'ACTIVE' | 'WAITING';
}): Promise<{ token: string; tokenId: string; userId: string; concertId: number }> {
  const userId = options.userId ?? randomUUID();
  const { concertId } = options;
  const redis = new Redis(options.redisUrl, { keyPrefix: options.keyPrefix });
  let tokenId: string;
  try {
    const admitted = options.status !== 'WAITING';
    ({ tokenId } = await writeGrantedPlace(redis, {
      concertId,
      userId,
      ...(admitted && { admittedUntilMs: Date.now() + (options.ttlMs ?? 600_000) }),
    }));
  } finally {
    redis.disconnect();
  }
  const signer = new TokenSigner(options.signingKey ?? testPassKeys().signingKey);
  const token = await signer.sign({ userId, tokenId, concertId }, 3600);
  return { token, tokenId, userId, concertId };
}
