import { concert, reservation } from '@ticketing/contracts';
import { on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import { ReservationRepository } from '../../data-access/reservation-repository';
import { confirmReservation, revertConfirmation } from '../../domain/saga-participant';

/** Topic → handler table of the reservation service. */
export function messageHandlers(): HandlerEntry<TxContext>[] {
  return [
    on(concert.schedulePublished, async ({ data }, { trx }) =>
      new ReservationRepository(trx).upsertSchedule(data),
    ),
    on(reservation.confirmReservation, async ({ data }, ctx) => confirmReservation(data, ctx)),
    on(reservation.revertConfirmation, async ({ data }, ctx) => revertConfirmation(data, ctx)),
  ];
}
