import { z } from 'zod';
import { IsoTime, PositiveId } from './common';

/**
 * What the queue reads of the catalog when its own copy misses a concert (a join right after
 * the concert was published, or after the queue's Redis lost its data: ADR 0024): the concert
 * service answers it from its database, on a path the gateway does not route (inside the
 * deployment only). The same facts as `concert.schedule-published` and
 * `concert.availability-changed`, with their revisions, so what the queue learns here and what
 * it learns from the events agree (the newer revision wins).
 */
export const ConcertSales = z.object({
  concertId: PositiveId,
  dates: z.array(
    z.object({
      scheduleId: PositiveId,
      status: z.enum(['OPEN', 'CLOSED', 'CANCELLED']),
      bookingOpensAt: IsoTime,
      bookingClosesAt: IsoTime,
      totalSeats: z.number().int().positive(),
      revision: z.number().int().nonnegative(),
      availableSeats: z.number().int().nonnegative(),
      heldSeats: z.number().int().nonnegative(),
      seatsRevision: z.number().int().nonnegative(),
    }),
  ),
});

export type ConcertSales = z.infer<typeof ConcertSales>;

/** The concert service's path for a concert's sales (404 for a concert it does not have). */
export const concertSalesPath = (concertId: number) => `/internal/concerts/${concertId}/sales`;
