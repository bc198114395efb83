import { AppError, TypedRoutes, type HttpApp } from '@ticketing/platform';
import type { Credentials } from '@ticketing/auth';
import { STREAM_TICKET_PARAM } from '@ticketing/queue-pass';
import { retryAfterSeconds } from '../../domain/estimates';
import type { Joining } from '../../domain/joining';
import type { Places } from '../../domain/places';
import type { StreamTickets } from '../../domain/stream-tickets';
import { JoinQueueBody, StreamTicketResponse, TokenResponse } from './schemas';
import type { QueueEventStreams } from './sse';

/** The queue's public HTTP routes (API.md, Queue). */
export function httpRoutes(
  app: HttpApp,
  deps: {
    joining: Joining;
    places: Places;
    tickets: StreamTickets;
    credentials: Credentials;
    streams: QueueEventStreams;
  },
): TypedRoutes {
  const { joining, places, tickets, credentials, streams } = deps;
  return new TypedRoutes(app)
    .add(
      {
        method: 'post',
        path: '/queue/tokens',
        operationId: 'joinQueue',
        summary: 'Join the waiting queue of a concert (or get the live token you already have)',
        auth: credentials.identity,
        body: JoinQueueBody,
        errors: ['FORBIDDEN', 'NOT_FOUND'],
        responses: {
          201: { description: 'a new token', schema: TokenResponse },
          200: { description: "the user's live token for that concert", schema: TokenResponse },
        },
      },
      async ({ body, caller }, _req, reply) => {
        if (body.userId !== undefined && body.userId !== caller.userId)
          throw AppError.forbidden('body.userId: a fan can only join the queue as themself');
        const { view, created } = await joining.join(caller.userId, body.concertId);
        reply.code(created ? 201 : 200).send(view);
      },
    )
    .add(
      {
        method: 'get',
        path: '/queue/tokens/me',
        operationId: 'getMyQueueToken',
        summary: 'Poll the status of your token; Retry-After suggests the next poll',
        auth: credentials.queuePassClaims,
        responses: { 200: { description: 'fresh status', schema: TokenResponse } },
      },
      async ({ caller }, _req, reply) => {
        const view = await places.status(caller.token, caller);
        reply.header(
          'Retry-After',
          String(retryAfterSeconds(view.position, places.settings.admitPerSecond)),
        );
        reply.send(view);
      },
    )
    .add(
      {
        method: 'get',
        path: '/queue/tokens/me/events',
        operationId: 'streamMyQueueEvents',
        summary:
          'Server-Sent Events: `position` on every change, `active` when admitted. A browser (EventSource) presents a stream ticket in `?ticket=` instead of the pass',
        auth: credentials.queuePassOrStreamTicket,
        responses: { 200: { description: 'an event stream', contentType: 'text/event-stream' } },
      },
      async ({ caller }, req, reply) => {
        await places.status(caller.token, caller); // 401 now if the token is already gone
        const lastEventId = req.headers['last-event-id'];
        streams.subscribe(caller, reply, typeof lastEventId === 'string' ? lastEventId : undefined);
      },
    )
    .add(
      {
        method: 'post',
        path: '/queue/tokens/me/stream-ticket',
        operationId: 'createStreamTicket',
        summary:
          "A stream ticket: opens this pass's event stream (`url`) for a short while, and nothing else",
        auth: credentials.queuePassClaims,
        responses: { 201: { description: 'a new ticket', schema: StreamTicketResponse } },
      },
      async ({ caller }, _req, reply) => {
        const { ticket, expiresAt } = await tickets.streamTicket(caller, caller.expiresAtMs);
        // A credential: no cache keeps it.
        reply.header('Cache-Control', 'no-store');
        reply.code(201).send({
          ticket,
          expiresAt,
          url: `/queue/tokens/me/events?${STREAM_TICKET_PARAM}=${ticket}`,
        });
      },
    )
    .add(
      {
        method: 'delete',
        path: '/queue/tokens/me',
        operationId: 'leaveQueue',
        summary: 'Leave the queue; the token answers 401 afterwards (a repeated DELETE too)',
        auth: credentials.queuePassClaims,
        responses: { 204: { description: 'left' } },
      },
      async ({ caller }, _req, reply) => {
        await places.leave(caller);
        reply.code(204).send();
      },
    );
}
