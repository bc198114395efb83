import { defineMessage } from './message';
import { z } from 'zod';
import { IsoTime, Krw, PositiveId, SeatNo, Uuid, UserId } from './common';
import { TOPICS } from './topics';

const byReservation = (d: { reservationId: string }) => d.reservationId;

/** Where a seat change sits in the seat's history: projections keep the highest. */
const SeatVersion = z.number().int().positive();
const Seat = { scheduleId: PositiveId, seatNo: SeatNo, seatVersion: SeatVersion };

// Commands (from the payment saga)
export const confirmReservation = defineMessage({
  type: 'reservation.confirm',
  version: 1,
  topic: TOPICS.reservationCommands,
  key: byReservation,
  schema: z.object({
    reservationId: Uuid,
    userId: UserId,
    paymentId: Uuid,
    /** The concert of the payer's queue pass: a seat of another concert is refused (FORBIDDEN). */
    concertId: PositiveId.optional(),
  }),
});

export const revertConfirmation = defineMessage({
  type: 'reservation.revert-confirmation',
  version: 1,
  topic: TOPICS.reservationCommands,
  key: byReservation,
  schema: z.object({ reservationId: Uuid, paymentId: Uuid }),
});

// Events
export const reservationHeld = defineMessage({
  type: 'reservation.held',
  version: 1,
  topic: TOPICS.reservationEvents,
  key: byReservation,
  schema: z.object({
    reservationId: Uuid,
    userId: UserId,
    ...Seat,
    price: Krw,
    heldUntil: IsoTime,
  }),
});

export const reservationReleased = defineMessage({
  type: 'reservation.released',
  version: 1,
  topic: TOPICS.reservationEvents,
  key: byReservation,
  schema: z.object({
    reservationId: Uuid,
    userId: UserId,
    ...Seat,
    reason: z.enum(['EXPIRED', 'CANCELLED']),
  }),
});

export const reservationConfirmed = defineMessage({
  type: 'reservation.confirmed',
  version: 1,
  topic: TOPICS.reservationEvents,
  key: byReservation,
  schema: z.object({ reservationId: Uuid, userId: UserId, paymentId: Uuid, ...Seat, price: Krw }),
});

export const confirmRejected = defineMessage({
  type: 'reservation.confirm-rejected',
  version: 1,
  topic: TOPICS.reservationEvents,
  key: byReservation,
  schema: z.object({
    reservationId: Uuid,
    paymentId: Uuid,
    reason: z.enum(['EXPIRED', 'NOT_HELD', 'FORBIDDEN', 'NOT_FOUND']),
  }),
});

/** The answer to a revert-confirmation: whatever the reservation's state, it is always given. */
export const confirmationReverted = defineMessage({
  type: 'reservation.confirmation-reverted',
  version: 1,
  topic: TOPICS.reservationEvents,
  key: byReservation,
  schema: z.union([
    z.object({
      reservationId: Uuid,
      userId: UserId,
      paymentId: Uuid,
      ...Seat,
      /** HELD again, or RELEASED when the hold time was over. */
      status: z.enum(['HELD', 'RELEASED']),
      /** False when there was nothing to revert (never confirmed by this payment). */
      reverted: z.boolean(),
    }),
    // No such reservation here: nothing was confirmed, so nothing is reverted (and no seat moves).
    z.object({
      reservationId: Uuid,
      paymentId: Uuid,
      status: z.literal('NOT_FOUND'),
      reverted: z.literal(false),
    }),
  ]),
});
