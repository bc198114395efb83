import type { DataOf, reservation } from '@ticketing/contracts';
import type { StatementContext, TxContext } from '@ticketing/messaging';
import { whenCommitted } from '@ticketing/platform';
import type { AvailabilityAnnouncer } from './availability';
import type { CatalogIn, SeatChange } from './repositories';
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
  const change = seatChangeOf(event);
  if (!change) return false;
  const moved = await catalogIn.writer(ctx.tx).applySeatChange(change);
  // The move marked its date due: what is left is announced soon after (the queue's sold-out
  // state), once this transaction has committed.
  if (moved && announcer) ctx.tx.afterCommit(() => announcer.soon());
  return moved;
}

/**
 * The same in one statement, with the event's inbox record: 'applied' when the seat moved.
 * Otherwise nothing was written (an older event, or one handled before): undefined, and the
 * event takes `projectSeatEvent`'s transaction, which records it and moves nothing.
 */
export async function projectSeatEventAlone(
  { inbox, db }: StatementContext,
  event: SeatEvent,
  catalogIn: CatalogIn,
  announcer?: AvailabilityAnnouncer,
): Promise<'applied' | undefined> {
  const change = seatChangeOf(event);
  if (!change) return undefined;
  if (!(await catalogIn.projection(db).applySeatChangeRecorded(change, inbox))) return undefined;
  if (announcer) whenCommitted(db, () => announcer.soon());
  return 'applied';
}

/** The seat change an event carries; none for a revert the reservation service never moved. */
function seatChangeOf({ type, data }: SeatEvent): SeatChange | undefined {
  if (!('scheduleId' in data)) return undefined;
  const status = seatStatusAfter(type, 'status' in data ? data.status : undefined);
  return {
    scheduleId: data.scheduleId,
    seatNo: data.seatNo,
    status,
    version: data.seatVersion,
    reservationId: status === 'AVAILABLE' ? null : data.reservationId,
  };
}
