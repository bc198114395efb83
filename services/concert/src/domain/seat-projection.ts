import type { DataOf, reservation } from '@ticketing/contracts';
import type { TxContext } from '@ticketing/messaging';
import type { AvailabilityAnnouncer } from './availability';
import type { CatalogIn } from './repositories';
import { seatStatusAfter } from './rules';

type SeatEvent =
  | { type: 'reservation.held'; data: DataOf<typeof reservation.reservationHeld> }
  | { type: 'reservation.released'; data: DataOf<typeof reservation.reservationReleased> }
  | { type: 'reservation.confirmed'; data: DataOf<typeof reservation.reservationConfirmed> }
  | {
      type: 'reservation.confirmation-reverted';
      data: DataOf<typeof reservation.confirmationReverted>;
    };

/**
 * The seat map follows the reservation service's events. Each carries the seat's version in
 * the reservation service; the projection keeps the newest, so duplicates and reordering
 * (events of different reservations of one seat travel on different partitions) end in the
 * same map as the ordered stream.
 */
export async function projectSeatEvent(
  ctx: TxContext,
  event: SeatEvent,
  catalogIn: CatalogIn,
  announcer?: AvailabilityAnnouncer,
): Promise<boolean> {
  const { data } = event;
  // A revert of a reservation the reservation service never had moved no seat.
  if (!('scheduleId' in data)) return false;
  const status = seatStatusAfter(event.type, 'status' in data ? data.status : undefined);
  const writer = catalogIn.writer(ctx.tx);
  const moved = await writer.applySeatChange({
    scheduleId: data.scheduleId,
    seatNo: data.seatNo,
    status,
    version: data.seatVersion,
    reservationId: status === 'AVAILABLE' ? null : data.reservationId,
  });
  // The move marked its date due: what is left is announced soon after (the queue's sold-out
  // state), once this transaction has committed.
  if (moved && announcer) ctx.tx.afterCommit(() => announcer.soon());
  return moved;
}
