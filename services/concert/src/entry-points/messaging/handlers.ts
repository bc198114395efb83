import { reservation } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { AvailabilityAnnouncer } from '../../domain/availability';
import type { CatalogIn } from '../../domain/repositories';
import { projectSeatEvent } from '../../domain/seat-projection';

/** Topic → handler table: the seat map is a projection of reservation.events. */
export function messageHandlers(
  catalogIn: CatalogIn,
  announcer?: AvailabilityAnnouncer,
): HandlerEntry<TxContext>[] {
  return [
    on(reservation.reservationHeld, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.held', data }, catalogIn, announcer);
    }),
    on(reservation.reservationReleased, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.released', data }, catalogIn, announcer);
    }),
    on(reservation.reservationConfirmed, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.confirmed', data }, catalogIn, announcer);
    }),
    on(reservation.confirmationReverted, async ({ data }, ctx) => {
      await projectSeatEvent(
        ctx,
        { type: 'reservation.confirmation-reverted', data },
        catalogIn,
        announcer,
      );
    }),
  ];
}
