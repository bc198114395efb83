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

export const ReservationView = z.object({
  reservationId: z.uuid(),
  userId: z.uuid(),
  scheduleId: z.number().int(),
  seatNo: z.number().int(),
  price: z.number().int(),
  status: z.enum(['HELD', 'CONFIRMED', 'RELEASED']),
  releaseReason: z.enum(['EXPIRED', 'CANCELLED']).optional(),
  heldUntil: z.iso.datetime(),
});
