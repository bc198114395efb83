import type { RedisClient } from '@ticketing/platform';
import {
  cohortMember,
  newEpoch,
  offsetOf,
  queueKeys,
  segmentKeys,
  segmentOf,
  tokenIdOf,
  userEntry,
  type Place,
} from '@ticketing/queue-pass';

/**
 * A place written straight into the line's layout (the queue pass library's key names, never
 * spelled here): the next number of the concert's counter (in the line's life, opened if it had
 * none), its alive bit, the user index naming its holder, and, with `admittedUntilMs`, an
 * admitted range of that number alone. For tests that need a real pass without running the queue
 * service: the real pass check then reads real Redis. The head does not move: a place written
 * without an admitted range stays WAITING. A test's writer only: it bypasses the queue's scripts
 * and Postgres' reserved number blocks, so no service may ship it (the library the booking
 * services use only reads the line).
 */
export async function writeGrantedPlace(
  redis: RedisClient,
  grant: { concertId: number; userId: string; admittedUntilMs?: number },
): Promise<Place & { tokenId: string }> {
  const { concertId, userId } = grant;
  const keys = queueKeys(concertId);
  await redis.hsetnx(keys.meta, 'epoch', newEpoch());
  const number = await redis.hincrby(keys.meta, 'seq', 1);
  const epoch = Number(await redis.hget(keys.meta, 'epoch'));
  const user = userEntry(concertId, userId);
  await redis.setbit(segmentKeys(concertId, segmentOf(number)).alive, offsetOf(number), 1);
  await redis.hset(user.key, user.field, number);
  if (grant.admittedUntilMs !== undefined)
    await redis.zadd(
      keys.cohorts,
      number,
      cohortMember({ from: number, to: number, untilMs: grant.admittedUntilMs }),
    );
  const place = { concertId, epoch, number };
  return { ...place, tokenId: tokenIdOf(place) };
}
