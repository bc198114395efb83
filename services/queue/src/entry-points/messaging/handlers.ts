import { concert, queue as queueContracts } from '@ticketing/contracts';
import { on, type DirectContext, type HandlerEntry } from '@ticketing/messaging';
import type { KnownConcerts } from '../../domain/known-concerts';
import type { Places } from '../../domain/places';

/** Topic → handler table of the queue service. Every handler is idempotent by construction. */
export function messageHandlers(deps: {
  places: Places;
  concerts: KnownConcerts;
}): HandlerEntry<DirectContext>[] {
  return [
    // The payment saga ends the token's access; acknowledged every time it is asked.
    on(queueContracts.expireToken, async ({ data }, ctx) => {
      const removed = await deps.places.expire(data);
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
      await deps.concerts.learnSchedule(data);
    }),
    // What is left to sell (sold out: admission stops, waiting fans are told).
    on(concert.availabilityChanged, async ({ data }) => {
      await deps.concerts.learnAvailability(data);
    }),
  ];
}
