import { requireAdmitted, type Credentials } from '@ticketing/auth';
import { TypedRoutes, headerOf, type HttpApp } from '@ticketing/platform';
import type { Catalog } from '../../domain/catalog';
import type { SeatMaps } from '../../domain/seat-maps';
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
  app: HttpApp,
  deps: { catalog: Catalog; seatMaps: SeatMaps; credentials: Credentials },
): TypedRoutes {
  const { catalog, seatMaps, credentials } = deps;
  return new TypedRoutes(app)
    .add(
      {
        method: 'get',
        path: '/concerts',
        summary: 'The catalog (no token needed)',
        responses: { 200: { description: 'concerts', schema: ConcertList } },
      },
      async (_input, _req, reply) => {
        reply.send({ items: await catalog.listConcerts() });
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
      async ({ params, query, caller }, _req, reply) => {
        requireAdmitted(caller, params.concertId);
        const schedules = await catalog.schedules(params.concertId, query.available);
        reply.send({
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
        headers: {
          'If-None-Match': { description: 'the ETag of the map you have: 304 when unchanged' },
        },
        responses: {
          200: { description: 'seat map (with ETag)', schema: SeatMap },
          304: { description: 'unchanged since the ETag you sent' },
        },
      },
      async ({ params, query, caller }, req, reply) => {
        requireAdmitted(caller, params.concertId);
        const map = await seatMaps.of(params.concertId, params.scheduleId, query.available);
        // Per fan (a pass is needed), but the same for all: revalidated on every poll.
        reply.header('Cache-Control', 'private, no-cache');
        reply.header('ETag', map.etag);
        if (headerOf(req, 'if-none-match') === map.etag) return void reply.code(304).send();
        reply.type('application/json').send(map.body);
      },
    );
}
