import { concert, reservation } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import { confirmReservation, revertConfirmation } from '../../domain/saga-participant';
import { replicateSchedule } from '../../domain/schedule-replica';

/** Topic → handler table of the reservation service. */
export function messageHandlers(): HandlerEntry<TxContext>[] {
  return [
    on(concert.schedulePublished, async ({ data }, { tx }) => replicateSchedule(tx, data)),
    on(reservation.confirmReservation, async ({ data }, ctx) => confirmReservation(data, ctx)),
    on(reservation.revertConfirmation, async ({ data }, ctx) => revertConfirmation(data, ctx)),
  ];
}
