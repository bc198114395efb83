import { reservation, type DataOf, type MessageContract } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { AvailabilityAnnouncer } from '../../domain/availability';
import type { CatalogIn } from '../../domain/repositories';
import { projectSeatEvent, projectSeatEventAlone } from '../../domain/seat-projection';

type SeatEvent = Parameters<typeof projectSeatEvent>[1];

/**
 * Topic → handler table: the seat map is a projection of reservation.events. Each event is
 * tried in one statement first (the seat, its date marked due and the inbox record), and takes
 * the consumer's transaction when that moved nothing.
 */
export function messageHandlers(
  catalogIn: CatalogIn,
  announcer?: AvailabilityAnnouncer,
): HandlerEntry<TxContext>[] {
  const project = <C extends MessageContract>(contract: C, event: (data: DataOf<C>) => SeatEvent) =>
    on<C['schema'], TxContext>(
      contract,
      async ({ data }, ctx) => {
        await projectSeatEvent(ctx, event(data as DataOf<C>), catalogIn, announcer);
      },
      ({ data }, ctx) => projectSeatEventAlone(ctx, event(data as DataOf<C>), catalogIn, announcer),
    );
  return [
    project(reservation.reservationHeld, (data) => ({ type: 'reservation.held', data })),
    project(reservation.reservationReleased, (data) => ({ type: 'reservation.released', data })),
    project(reservation.reservationConfirmed, (data) => ({ type: 'reservation.confirmed', data })),
    project(reservation.confirmationReverted, (data) => ({
      type: 'reservation.confirmation-reverted',
      data,
    })),
  ];
}
