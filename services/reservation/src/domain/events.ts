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
