import { TypedRoutes } from '@ticketing/platform';
import { queueTokenOf } from '@ticketing/queue-auth';
import { Router, type Express, type RequestHandler } from 'express';
import type { Reservation } from '../../data-access/reservation-repository';
import type { SeatHolds } from '../../domain/holds';
import { HoldBody, ReservationParams, ReservationView } from './schemas';

const view = (r: Reservation) => ({
  reservationId: r.reservationId,
  userId: r.userId,
  scheduleId: r.scheduleId,
  seatNo: r.seatNo,
  price: r.price,
  status: r.status,
  ...(r.releaseReason && { releaseReason: r.releaseReason }),
  heldUntil: r.heldUntil.toISOString(),
});

/** The reservation service's public HTTP routes (API.md, Reservations). */
export function httpRoutes(
  app: Express,
  deps: { holds: SeatHolds; activeToken: RequestHandler },
): TypedRoutes {
  const { holds, activeToken } = deps;
  const router = Router();
  app.use(router);
  return new TypedRoutes(router)
    .add(
      {
        method: 'post',
        path: '/reservations',
        summary: 'Hold a seat for HOLD_TTL_SECONDS',
        auth: 'bearer',
        before: [activeToken],
        body: HoldBody,
        responses: { 201: { description: 'the seat is held for you', schema: ReservationView } },
      },
      async ({ body }, _req, res) => {
        const held = await holds.hold(queueTokenOf(res), body.scheduleId, body.seatNo);
        res.status(201).location(`/reservations/${held.reservationId}`).json(view(held));
      },
    )
    .add(
      {
        method: 'get',
        path: '/reservations/:reservationId',
        summary: 'Your reservation',
        auth: 'bearer',
        before: [activeToken],
        params: ReservationParams,
        responses: { 200: { description: 'the reservation', schema: ReservationView } },
      },
      async ({ params }, _req, res) => {
        res.json(view(await holds.get(queueTokenOf(res).userId, params.reservationId)));
      },
    )
    .add(
      {
        method: 'delete',
        path: '/reservations/:reservationId',
        summary: 'Release a held seat early',
        auth: 'bearer',
        before: [activeToken],
        params: ReservationParams,
        responses: { 204: { description: 'released' } },
      },
      async ({ params }, _req, res) => {
        await holds.release(queueTokenOf(res).userId, params.reservationId);
        res.status(204).end();
      },
    );
}
