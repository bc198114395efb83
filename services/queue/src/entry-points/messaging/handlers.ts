import { concert, queue as queueContracts } from '@ticketing/contracts';
import { on, type DirectContext, type HandlerEntry } from '@ticketing/messaging';
import type { WaitingQueue } from '../../domain/queue';

/** Topic → handler table of the queue service. Every handler is idempotent by construction. */
export function messageHandlers(deps: { queue: WaitingQueue }): HandlerEntry<DirectContext>[] {
  return [
    // The payment saga ends the token's access; acknowledged every time it is asked.
    on(queueContracts.expireToken, async ({ data }, ctx) => {
      const removed = await deps.queue.expire(data);
      ctx.send(queueContracts.tokenExpired, {
        tokenId: data.tokenId,
        userId: data.userId,
        concertId: data.concertId,
        paymentId: data.paymentId,
        removed,
      });
    }),
    // Which concerts exist (unknown concert → 404 on join), when their sales open.
    on(concert.schedulePublished, async ({ data }) => {
      await deps.queue.learnSchedule(data);
    }),
    // What is left to sell (sold out: admission stops, waiting fans are told).
    on(concert.availabilityChanged, async ({ data }) => {
      await deps.queue.learnAvailability(data);
    }),
  ];
}
