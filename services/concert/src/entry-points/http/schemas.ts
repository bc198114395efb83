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

const ScheduleItem = z.object({
  scheduleId: z.number().int(),
  startsAt: z.iso.datetime(),
  price: z.number().int(),
  totalSeats: z.number().int(),
  availableSeats: z.number().int(),
  /** When holds open (additive to API.md). */
  salesOpenAt: z.iso.datetime(),
  status: z.enum(['OPEN', 'CLOSED', 'CANCELLED']),
});

export const ScheduleList = z.object({
  concertId: z.number().int(),
  items: z.array(ScheduleItem),
});

export const ScheduleView = ScheduleItem.extend({ concertId: z.number().int() });

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const price = z
  .number({ message: 'must be a positive integer (KRW)' })
  .int('must be a positive integer (KRW)')
  .positive('must be a positive integer (KRW)')
  .max(100_000_000);
const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
  .transform((v) => new Date(v));

export const NewConcert = z.object({ title: text(200), artist: text(200), venue: text(200) });
export const ConcertView = NewConcert.extend({ concertId: z.number().int() });

export const NewSchedule = z.object({
  startsAt: instant,
  price,
  seats: z.number().int('must be an integer').min(1).max(50),
  /** Holds open at this time (in the future); absent: on sale at once. */
  salesOpenAt: instant.optional(),
});

export const ScheduleChange = z
  .object({ price: price.optional(), salesOpenAt: instant.optional() })
  .refine((c) => c.price !== undefined || c.salesOpenAt !== undefined, {
    message: 'change the price, the sales window, or both',
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
