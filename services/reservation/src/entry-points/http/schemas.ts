import { UserId } from '@ticketing/contracts';
import { z } from 'zod';

export const HoldBody = z.object({
  scheduleId: z.number().int().positive().max(2_147_483_647),
  seatNo: z
    .number()
    .int('must be an integer')
    .min(1, 'must be a seat 1..50')
    .max(50, 'must be a seat 1..50'),
});

export const ReservationParams = z.object({ reservationId: z.uuid() });

const Status = z.enum(['HELD', 'CONFIRMED', 'RELEASED']);

/** API.md: lists take `?limit=` (1–100, default 20) and `?cursor=`. */
export const MyReservationsQuery = z.object({
  status: Status.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const ReservationView = z.object({
  reservationId: z.uuid(),
  userId: UserId,
  concertId: z.number().int(),
  scheduleId: z.number().int(),
  seatNo: z.number().int(),
  price: z.number().int(),
  status: Status,
  releaseReason: z.enum(['EXPIRED', 'CANCELLED']).optional(),
  heldUntil: z.iso.datetime(),
});

export const ReservationList = z.object({
  items: z.array(ReservationView),
  nextCursor: z.string().optional(),
});
