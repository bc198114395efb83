import { requireAdmitted, type Credentials } from '@ticketing/auth';
import { TypedRoutes } from '@ticketing/platform';
import { Router, type Express } from 'express';
import type { Catalog } from '../../domain/catalog';
import {
  AvailableQuery,
  ConcertList,
  ConcertParams,
  ScheduleList,
  SeatMap,
  SeatsParams,
} from './schemas';

/** The concert service's public HTTP routes (API.md, Concerts). */
export function httpRoutes(
  app: Express,
  deps: { catalog: Catalog; credentials: Credentials },
): TypedRoutes {
  const { catalog, credentials } = deps;
  const router = Router();
  app.use(router);
  return new TypedRoutes(router)
    .add(
      {
        method: 'get',
        path: '/concerts',
        summary: 'The catalog (no token needed)',
        responses: { 200: { description: 'concerts', schema: ConcertList } },
      },
      async (_input, _req, res) => {
        res.json({ items: await catalog.listConcerts() });
      },
    )
    .add(
      {
        method: 'get',
        path: '/concerts/:concertId/schedules',
        summary: 'Dates of a concert; ?available=true keeps those that can still be booked',
        auth: credentials.queuePass,
        params: ConcertParams,
        query: AvailableQuery,
        responses: { 200: { description: 'schedules', schema: ScheduleList } },
      },
      async ({ params, query, caller }, _req, res) => {
        requireAdmitted(caller, params.concertId);
        const schedules = await catalog.schedules(params.concertId, query.available);
        res.json({
          concertId: params.concertId,
          items: schedules.map((s) => ({
            scheduleId: s.scheduleId,
            startsAt: s.startsAt.toISOString(),
            price: s.price,
            totalSeats: s.totalSeats,
            availableSeats: s.availableSeats,
          })),
        });
      },
    )
    .add(
      {
        method: 'get',
        path: '/concerts/:concertId/schedules/:scheduleId/seats',
        summary: 'Seats 1..50 of a date with their status; ?available=true keeps AVAILABLE ones',
        auth: credentials.queuePass,
        params: SeatsParams,
        query: AvailableQuery,
        responses: { 200: { description: 'seat map', schema: SeatMap } },
      },
      async ({ params, query, caller }, _req, res) => {
        requireAdmitted(caller, params.concertId);
        const { schedule, seats } = await catalog.seats(
          params.concertId,
          params.scheduleId,
          query.available,
        );
        res.json({
          scheduleId: schedule.scheduleId,
          items: seats.map((s) => ({ ...s, price: schedule.price })),
        });
      },
    );
}
