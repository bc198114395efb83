import { requireAdmin, type Credentials } from '@ticketing/auth';
import { requireAdmitted } from '@ticketing/queue-pass';
import { ConcertSales } from '@ticketing/contracts';
import { TypedRoutes, headerOf, type HttpApp } from '@ticketing/platform';
import type { Catalog } from '../../domain/catalog';
import type { SeatMaps } from '../../domain/seat-maps';
import type { Schedule } from '../../domain/catalog';
import {
  AvailableQuery,
  ConcertList,
  ConcertParams,
  ConcertView,
  NewConcert,
  NewSchedule,
  ScheduleChange,
  ScheduleList,
  ScheduleView,
  SeatMap,
  SeatsParams,
} from './schemas';

const scheduleItem = (s: Schedule) => ({
  scheduleId: s.scheduleId,
  startsAt: s.startsAt.toISOString(),
  price: s.price,
  totalSeats: s.totalSeats,
  availableSeats: s.availableSeats,
  salesOpenAt: s.bookingOpensAt.toISOString(),
  status: s.status,
});

/** The concert service's public HTTP routes (API.md, Concerts). */
export function httpRoutes(
  app: HttpApp,
  deps: { catalog: Catalog; seatMaps: SeatMaps; credentials: Credentials },
): TypedRoutes {
  const { catalog, seatMaps, credentials } = deps;
  return (
    new TypedRoutes(app)
      .add(
        {
          method: 'get',
          path: '/concerts',
          operationId: 'listConcerts',
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
          path: '/internal/concerts/:concertId/sales',
          operationId: 'getConcertSales',
          summary:
            'Inside the deployment (the gateway does not route it): the dates of a concert as the queue follows them, for a queue that missed it (ADR 0024)',
          params: ConcertParams,
          errors: ['NOT_FOUND'],
          responses: { 200: { description: 'the dates', schema: ConcertSales } },
        },
        async ({ params }, _req, reply) => {
          const dates = await catalog.salesOf(params.concertId);
          reply.send({
            concertId: params.concertId,
            dates: dates.map((d) => ({
              ...d,
              bookingOpensAt: d.bookingOpensAt.toISOString(),
              bookingClosesAt: d.bookingClosesAt.toISOString(),
            })),
          });
        },
      )
      .add(
        {
          method: 'get',
          path: '/concerts/:concertId/schedules',
          operationId: 'listSchedules',
          summary: 'Dates of a concert; ?available=true keeps those that can still be booked',
          auth: credentials.queuePass,
          params: ConcertParams,
          query: AvailableQuery,
          errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND'],
          responses: { 200: { description: 'schedules', schema: ScheduleList } },
        },
        async ({ params, query, caller }, _req, reply) => {
          requireAdmitted(caller, params.concertId);
          const schedules = await catalog.schedules(params.concertId, query.available);
          reply.send({ concertId: params.concertId, items: schedules.map(scheduleItem) });
        },
      )
      .add(
        {
          method: 'get',
          path: '/concerts/:concertId/schedules/:scheduleId/seats',
          operationId: 'listSeats',
          summary: 'Seats 1..50 of a date with their status; ?available=true keeps AVAILABLE ones',
          auth: credentials.queuePass,
          params: SeatsParams,
          query: AvailableQuery,
          headers: {
            'If-None-Match': { description: 'the ETag of the map you have: 304 when unchanged' },
          },
          errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND'],
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
      )
      // Catalog administration: operators only (an identity with scope ticketing:admin).
      .add(
        {
          method: 'post',
          path: '/concerts',
          operationId: 'createConcert',
          summary: 'Operators: put a concert in the catalog',
          auth: credentials.identity,
          body: NewConcert,
          errors: ['FORBIDDEN', 'CONCERT_EXISTS'],
          responses: { 201: { description: 'the new concert', schema: ConcertView } },
        },
        async ({ body, caller }, _req, reply) => {
          requireAdmin(caller);
          const created = await catalog.createConcert(body);
          reply.code(201).header('Location', `/concerts/${created.concertId}`).send(created);
        },
      )
      .add(
        {
          method: 'post',
          path: '/concerts/:concertId/schedules',
          operationId: 'createSchedule',
          summary: 'Operators: add a date (startsAt, price, seats 1..50, salesOpenAt)',
          auth: credentials.identity,
          params: ConcertParams,
          body: NewSchedule,
          errors: ['FORBIDDEN', 'NOT_FOUND', 'SCHEDULE_EXISTS'],
          responses: { 201: { description: 'the new date', schema: ScheduleView } },
        },
        async ({ params, body, caller }, _req, reply) => {
          requireAdmin(caller);
          const s = await catalog.publishSchedule(params.concertId, body);
          reply
            .code(201)
            .header('Location', `/concerts/${s.concertId}/schedules/${s.scheduleId}`)
            .send({ concertId: s.concertId, ...scheduleItem(s) });
        },
      )
      .add(
        {
          method: 'patch',
          path: '/concerts/:concertId/schedules/:scheduleId',
          operationId: 'changeSchedule',
          summary: 'Operators: change the price or the sales window, before sales open',
          auth: credentials.identity,
          params: SeatsParams,
          body: ScheduleChange,
          errors: ['FORBIDDEN', 'NOT_FOUND', 'SCHEDULE_CANCELLED', 'SALES_ALREADY_OPEN'],
          responses: { 200: { description: 'the date as changed', schema: ScheduleView } },
        },
        async ({ params, body, caller }, _req, reply) => {
          requireAdmin(caller);
          const s = await catalog.changeSchedule(params.concertId, params.scheduleId, body);
          reply.send({ concertId: s.concertId, ...scheduleItem(s) });
        },
      )
      .add(
        {
          method: 'delete',
          path: '/concerts/:concertId/schedules/:scheduleId',
          operationId: 'cancelSchedule',
          summary: 'Operators: cancel a date that has no sold seat (its holds are released)',
          auth: credentials.identity,
          params: SeatsParams,
          errors: ['FORBIDDEN', 'NOT_FOUND', 'SCHEDULE_HAS_SOLD_SEATS'],
          responses: { 200: { description: 'the cancelled date', schema: ScheduleView } },
        },
        async ({ params, caller }, _req, reply) => {
          requireAdmin(caller);
          const s = await catalog.cancelSchedule(params.concertId, params.scheduleId);
          reply.send({ concertId: s.concertId, ...scheduleItem(s) });
        },
      )
  );
}
