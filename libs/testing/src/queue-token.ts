import { randomUUID } from 'node:crypto';
import { TokenSigner, queueKeys } from '@ticketing/auth';
import Redis from 'ioredis';

/**
 * An ACTIVE queue token for a test of a protected service, written where the queue service
 * keeps it (same keys, same signature), so the real token check reads real Redis.
 */
export async function grantActiveToken(options: {
  redisUrl: string;
  keyPrefix: string;
  secret: string;
  concertId: number;
  userId?: string;
  ttlMs?: number;
}): Promise<{ token: string; tokenId: string; userId: string; concertId: number }> {
  const userId = options.userId ?? randomUUID();
  const tokenId = randomUUID();
  const redis = new Redis(options.redisUrl, { keyPrefix: options.keyPrefix });
  try {
    await redis.zadd(
      queueKeys(options.concertId).active,
      Date.now() + (options.ttlMs ?? 600_000),
      tokenId,
    );
  } finally {
    redis.disconnect();
  }
  const token = await new TokenSigner(options.secret).sign(
    { userId, tokenId, concertId: options.concertId },
    3600,
  );
  return { token, tokenId, userId, concertId: options.concertId };
}
