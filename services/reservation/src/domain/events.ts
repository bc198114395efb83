import { reservation as contracts } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import type { Reservation } from './reservation';

const SOURCE = 'reservation';
const seat = (r: Reservation) => ({
  reservationId: r.reservationId,
  userId: r.userId,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  seatVersion: r.seatVersion,
});

export const heldEvent = (r: Reservation) =>
  buildMessage(
    contracts.reservationHeld,
    { ...seat(r), price: r.price, heldUntil: r.heldUntil.toISOString() },
    { source: SOURCE },
  );

export const releasedEvent = (r: Reservation) =>
  buildMessage(
    contracts.reservationReleased,
    { ...seat(r), reason: r.releaseReason ?? 'EXPIRED' },
    { source: SOURCE },
  );

export const confirmedEvent = (r: Reservation, paymentId: string) =>
  buildMessage(
    contracts.reservationConfirmed,
    { ...seat(r), paymentId, price: r.price },
    { source: SOURCE },
  );

/** The answer to a confirmation that cannot be given (the saga fails or compensates). */
export const confirmRejectedReply = (
  cmd: { reservationId: string; paymentId: string },
  reason: 'EXPIRED' | 'NOT_HELD' | 'FORBIDDEN' | 'NOT_FOUND',
) =>
  buildMessage(
    contracts.confirmRejected,
    { reservationId: cmd.reservationId, paymentId: cmd.paymentId, reason },
    { source: SOURCE },
  );

/** The answer to a revert: where the seat is now, and whether this revert moved it. */
export const revertedReply = (r: Reservation, paymentId: string, reverted: boolean) =>
  buildMessage(
    contracts.confirmationReverted,
    {
      reservationId: r.reservationId,
      userId: r.userId,
      paymentId,
      scheduleId: r.scheduleId,
      seatNo: r.seatNo,
      seatVersion: r.seatVersion,
      status: r.status === 'HELD' ? 'HELD' : 'RELEASED',
      reverted,
    },
    { source: SOURCE },
  );

/** A revert of a reservation this service never had: nothing to give back, the saga may end. */
export const nothingToRevertReply = (cmd: { reservationId: string; paymentId: string }) =>
  buildMessage(
    contracts.confirmationReverted,
    {
      reservationId: cmd.reservationId,
      paymentId: cmd.paymentId,
      status: 'NOT_FOUND',
      reverted: false,
    },
    { source: SOURCE },
  );
