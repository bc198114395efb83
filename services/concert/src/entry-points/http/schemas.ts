import { z } from 'zod';

const id = z.coerce
  .number({ message: 'must be a positive integer' })
  .int('must be a positive integer')
  .positive('must be a positive integer')
  .max(2_147_483_647);
const flag = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .default('false')
  .transform((v) => v === 'true');

export const ConcertParams = z.object({ concertId: id });
export const SeatsParams = z.object({ concertId: id, scheduleId: id });
export const AvailableQuery = z.object({ available: flag });

export const ConcertList = z.object({
  items: z.array(
    z.object({
      concertId: z.number().int(),
      title: z.string(),
      artist: z.string(),
      venue: z.string(),
    }),
  ),
});

export const ScheduleList = z.object({
  concertId: z.number().int(),
  items: z.array(
    z.object({
      scheduleId: z.number().int(),
      startsAt: z.iso.datetime(),
      price: z.number().int(),
      totalSeats: z.number().int(),
      availableSeats: z.number().int(),
    }),
  ),
});

export const SeatMap = z.object({
  scheduleId: z.number().int(),
  items: z.array(
    z.object({
      seatNo: z.number().int(),
      status: z.enum(['AVAILABLE', 'HELD', 'RESERVED']),
      price: z.number().int(),
    }),
  ),
});
