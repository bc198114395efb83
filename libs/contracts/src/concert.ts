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
