import { randomUUID } from 'node:crypto';
import { grantActiveToken } from '@ticketing/testing';
import type { BenchContext } from './context';

/**
 * `count` fans with ACTIVE queue tokens for a concert, written where the queue keeps them
 * (under the run's Redis key prefix), and a function that hands out their bearer headers in
 * turn, so consecutive requests come from different fans.
 */
export async function activeFans(
  ctx: BenchContext,
  options: { keyPrefix: string; concertId: number; count: number },
): Promise<{ nextAuthorization(): string }> {
  const fans = await Promise.all(
    Array.from({ length: options.count }, () =>
      grantActiveToken({
        redisUrl: ctx.infra.redisUrl,
        keyPrefix: options.keyPrefix,
        signingKey: ctx.serviceEnv.QUEUE_PASS_SIGNING_KEY!,
        concertId: options.concertId,
        userId: randomUUID(),
      }),
    ),
  );
  let next = 0;
  return { nextAuthorization: () => `Bearer ${fans[next++ % fans.length]!.token}` };
}
