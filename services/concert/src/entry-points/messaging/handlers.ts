import { reservation } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import { projectSeatEvent } from '../../domain/seat-projection';

/** Topic → handler table: the seat map is a projection of reservation.events. */
export function messageHandlers(): HandlerEntry<TxContext>[] {
  return [
    on(reservation.reservationHeld, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.held', data });
    }),
    on(reservation.reservationReleased, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.released', data });
    }),
    on(reservation.reservationConfirmed, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.confirmed', data });
    }),
    on(reservation.confirmationReverted, async ({ data }, ctx) => {
      await projectSeatEvent(ctx, { type: 'reservation.confirmation-reverted', data });
    }),
  ];
}
