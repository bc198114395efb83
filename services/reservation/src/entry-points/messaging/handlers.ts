import { concert, reservation } from '@ticketing/contracts';
import { enqueue, on, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import type { ReservationsIn } from '../../domain/repositories';
import {
  confirmReservation,
  confirmReservationAlone,
  revertConfirmation,
} from '../../domain/saga-participant';
import { replicateSchedule } from '../../domain/schedule-replica';

/**
 * Topic → handler table of the reservation service. The domain returns what it announces and
 * answers; the handler writes it to the outbox in the consumer's transaction (with the inbox
 * record and the effect).
 */
export function messageHandlers(reservationsIn: ReservationsIn): HandlerEntry<TxContext>[] {
  return [
    on(concert.schedulePublished, async ({ data }, { tx }) =>
      enqueue(tx, await replicateSchedule(data, tx, reservationsIn)),
    ),
    on(
      reservation.confirmReservation,
      async ({ data }, { tx }) => enqueue(tx, await confirmReservation(data, tx, reservationsIn)),
      // Tried first: a confirmation that confirms is one statement after an unlocked read.
      ({ data }, ctx) => confirmReservationAlone(data, ctx, reservationsIn),
    ),
    on(reservation.revertConfirmation, async ({ data }, { tx }) =>
      enqueue(tx, await revertConfirmation(data, tx, reservationsIn)),
    ),
  ];
}
