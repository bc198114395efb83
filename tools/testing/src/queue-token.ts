import { randomUUID } from 'node:crypto';
import { TokenSigner, queueKeys } from '@ticketing/auth';
import Redis from 'ioredis';

/**
 * An ACTIVE (or WAITING) queue pass for a test of a queue-gated service, written where the queue
 * service keeps it (same keys, same signature), so the real pass check reads real Redis.
 */
export async function grantActiveToken(options: {
  redisUrl: string;
  keyPrefix: string;
  secret: string;
  concertId: number;
  userId?: string;
  ttlMs?: number;
  status?: 'ACTIVE' | 'WAITING';
}): Promise<{ token: string; tokenId: string; userId: string; concertId: number }> {
  const userId = options.userId ?? randomUUID();
  const tokenId = randomUUID();
  const redis = new Redis(options.redisUrl, { keyPrefix: options.keyPrefix });
  try {
    const keys = queueKeys(options.concertId);
    if (options.status === 'WAITING') await redis.zadd(keys.waiting, Date.now(), tokenId);
    else await redis.zadd(keys.active, Date.now() + (options.ttlMs ?? 600_000), tokenId);
  } finally {
    redis.disconnect();
  }
  const token = await new TokenSigner(options.secret).sign(
    { userId, tokenId, concertId: options.concertId },
    3600,
  );
  return { token, tokenId, userId, concertId: options.concertId };
}
