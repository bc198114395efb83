import { reservation, type MessageContract } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { Database } from '@ticketing/platform';
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
  db: Database,
  catalogIn: CatalogIn,
  announcer?: AvailabilityAnnouncer,
): HandlerEntry<TxContext>[] {
  const project = <C extends MessageContract>(contract: C, type: SeatEvent['type']) =>
    on<C['schema'], TxContext>(
      contract,
      async ({ data }, ctx) => {
        await projectSeatEvent(ctx, { type, data } as SeatEvent, catalogIn, announcer);
      },
      ({ data }, ctx) =>
        projectSeatEventAlone(db, ctx, { type, data } as SeatEvent, catalogIn, announcer),
    );
  return [
    project(reservation.reservationHeld, 'reservation.held'),
    project(reservation.reservationReleased, 'reservation.released'),
    project(reservation.reservationConfirmed, 'reservation.confirmed'),
    project(reservation.confirmationReverted, 'reservation.confirmation-reverted'),
  ];
}
