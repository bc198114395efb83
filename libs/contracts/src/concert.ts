import { defineMessage } from './message';
import { z } from 'zod';
import { IsoTime, Krw, PositiveId } from './common';
import { TOPICS } from './topics';

/** Full state of a schedule, published whenever it is created or changed (replica feed). */
export const schedulePublished = defineMessage({
  type: 'concert.schedule-published',
  version: 1,
  topic: TOPICS.concertEvents,
  key: (d) => String(d.scheduleId),
  schema: z.object({
    scheduleId: PositiveId,
    concertId: PositiveId,
    startsAt: IsoTime,
    bookingOpensAt: IsoTime,
    bookingClosesAt: IsoTime,
    price: Krw,
    totalSeats: z.number().int().positive(),
    status: z.enum(['OPEN', 'CLOSED', 'CANCELLED']),
    /** Increases with every change of the schedule: replicas keep the highest. */
    revision: z.number().int().nonnegative(),
  }),
});

/**
 * How many seats of a schedule are left, published by the seat projection whenever it moves a
 * seat (the queue follows it to tell waiting fans that a concert is sold out).
 */
export const availabilityChanged = defineMessage({
  type: 'concert.availability-changed',
  version: 1,
  topic: TOPICS.concertEvents,
  key: (d) => String(d.scheduleId),
  schema: z.object({
    scheduleId: PositiveId,
    concertId: PositiveId,
    availableSeats: z.number().int().nonnegative(),
    heldSeats: z.number().int().nonnegative(),
    /** Increases with every change of the schedule's seats: followers keep the highest. */
    seatsRevision: z.number().int().positive(),
  }),
});
