import type { Credentials } from '@ticketing/auth';
import { requireAdmitted } from '@ticketing/queue-pass';
import { TypedRoutes, type HttpApp } from '@ticketing/platform';
import type { Reservation } from '../../domain/reservation';
import type { SeatHolds } from '../../domain/holds';
import {
  HoldBody,
  MyReservationsQuery,
  ReservationList,
  ReservationParams,
  ReservationView,
} from './schemas';

const view = (r: Reservation) => ({
  reservationId: r.reservationId,
  userId: r.userId,
  concertId: r.concertId,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  price: r.price,
  status: r.status,
  ...(r.releaseReason && { releaseReason: r.releaseReason }),
  heldUntil: r.heldUntil.toISOString(),
});

/** The reservation service's public HTTP routes (API.md, Reservations). */
export function httpRoutes(
  app: HttpApp,
  deps: { holds: SeatHolds; credentials: Credentials },
): TypedRoutes {
  const { holds, credentials } = deps;
  return new TypedRoutes(app)
    .add(
      {
        method: 'post',
        path: '/reservations',
        operationId: 'holdSeat',
        summary: 'Hold a seat for HOLD_TTL_SECONDS',
        auth: credentials.queuePass,
        body: HoldBody,
        errors: [
          'TOKEN_NOT_ACTIVE',
          'FORBIDDEN',
          'NOT_FOUND',
          'SEAT_UNAVAILABLE',
          'HOLD_LIMIT_REACHED',
          'SCHEDULE_NOT_BOOKABLE',
          'SALES_NOT_OPEN',
        ],
        responses: { 201: { description: 'the seat is held for you', schema: ReservationView } },
      },
      async ({ body, caller }, _req, reply) => {
        requireAdmitted(caller);
        const held = await holds.hold(caller, body.scheduleId, body.seatNo);
        reply.code(201).header('Location', `/reservations/${held.reservationId}`).send(view(held));
      },
    )
    .add(
      {
        method: 'get',
        path: '/reservations',
        operationId: 'listMyReservations',
        summary: 'My tickets: your own reservations, newest first (?status=CONFIRMED), paginated',
        auth: credentials.identity,
        query: MyReservationsQuery,
        responses: { 200: { description: 'a page of reservations', schema: ReservationList } },
      },
      async ({ query, caller }, _req, reply) => {
        const page = await holds.mine(caller.userId, query);
        reply.send({
          items: page.items.map(view),
          ...(page.nextCursor && { nextCursor: page.nextCursor }),
        });
      },
    )
    .add(
      {
        method: 'get',
        path: '/reservations/:reservationId',
        operationId: 'getReservation',
        summary: 'Your reservation (your ACTIVE queue pass for its concert, or your identity)',
        auth: credentials.either,
        params: ReservationParams,
        errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND'],
        responses: { 200: { description: 'the reservation', schema: ReservationView } },
      },
      async ({ params, caller }, _req, reply) => {
        reply.send(view(await holds.get(caller, params.reservationId)));
      },
    )
    .add(
      {
        method: 'delete',
        path: '/reservations/:reservationId',
        operationId: 'releaseReservation',
        summary: 'Release a held seat early (your ACTIVE queue pass for its concert)',
        auth: credentials.queuePass,
        params: ReservationParams,
        errors: ['TOKEN_NOT_ACTIVE', 'FORBIDDEN', 'NOT_FOUND', 'RESERVATION_NOT_HELD'],
        responses: { 204: { description: 'released' } },
      },
      async ({ params, caller }, _req, reply) => {
        await holds.release(caller, params.reservationId);
        reply.code(204).send();
      },
    );
}
