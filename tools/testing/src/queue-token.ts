import { randomUUID } from 'node:crypto';
import {
  TokenSigner,
  cohortMember,
  newEpoch,
  offsetOf,
  queueKeys,
  segmentKeys,
  segmentOf,
  tokenIdOf,
  userEntry,
} from '@ticketing/auth';
import Redis from 'ioredis';
import { testPassKeys } from './env';

/**
 * An ACTIVE (or WAITING) queue pass for a test of a queue-gated service, written where the queue
 * service keeps it (the same layout, ADR 0015: a number of the concert's counter, its alive bit,
 * the user index naming its holder, and for an ACTIVE pass an admitted range of that number
 * alone), so the real pass check reads real Redis. The head does not move: a WAITING pass
 * granted before stays WAITING.
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
    const keys = queueKeys(concertId);
    await redis.hsetnx(keys.meta, 'epoch', newEpoch());
    const number = await redis.hincrby(keys.meta, 'seq', 1);
    const epoch = Number(await redis.hget(keys.meta, 'epoch'));
    const user = userEntry(concertId, userId);
    await redis.setbit(segmentKeys(concertId, segmentOf(number)).alive, offsetOf(number), 1);
    await redis.hset(user.key, user.field, number);
    if (options.status !== 'WAITING') {
      const untilMs = Date.now() + (options.ttlMs ?? 600_000);
      await redis.zadd(keys.cohorts, number, cohortMember({ from: number, to: number, untilMs }));
    }
    tokenId = tokenIdOf({ concertId, epoch, number });
  } finally {
    redis.disconnect();
  }
  const signer = new TokenSigner(options.signingKey ?? testPassKeys().signingKey);
  const token = await signer.sign({ userId, tokenId, concertId }, 3600);
  return { token, tokenId, userId, concertId };
}
