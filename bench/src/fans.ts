import { randomUUID } from 'node:crypto';
import { grantActiveToken, providerTokens } from '@ticketing/testing';
import type { BenchContext } from './context';
import { runOpenLoop } from './open-loop';

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

/** `amount` new fans join at `rate`, each with an identity of their own, through `urls`. */
export async function joinCrowd(
  ctx: BenchContext,
  urls: string[],
  concertId: number,
  amount: number,
  rate: number,
  waiting: number,
  /** Each answer's position and when it was given (ms), for a check of what fans were told. */
  told?: (position: number, atMs: number) => void,
) {
  const identities = await providerTokens(
    Array.from({ length: amount }, () => randomUUID()),
    ctx.identityProvider,
  );
  return runOpenLoop({
    label: `POST /queue/tokens at ${waiting.toLocaleString('en')} waiting`,
    urls,
    rate,
    amount,
    request: (i) => ({
      method: 'POST',
      path: '/queue/tokens',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${identities[i]!}` },
      body: JSON.stringify({ concertId }),
    }),
    ...(told && {
      onAnswer: (body: Buffer, atMs: number) =>
        told((JSON.parse(body.toString('utf8')) as { position: number }).position, atMs),
    }),
  });
}
