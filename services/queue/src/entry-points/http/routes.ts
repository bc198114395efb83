import { TypedRoutes } from '@ticketing/platform';
import { bearerToken, verifiedClaims, type TokenSigner } from '@ticketing/queue-auth';
import { Router, type Express } from 'express';
import { retryAfterSeconds } from '../../domain/estimates';
import type { WaitingQueue } from '../../domain/queue';
import { JoinQueueBody, TokenResponse } from './schemas';
import type { QueueEventStreams } from './sse';

/** The queue's public HTTP routes (API.md, Queue). */
export function httpRoutes(
  app: Express,
  deps: { queue: WaitingQueue; signer: TokenSigner; streams: QueueEventStreams },
): TypedRoutes {
  const { queue, signer, streams } = deps;
  const router = Router();
  app.use(router);
  return new TypedRoutes(router)
    .add(
      {
        method: 'post',
        path: '/queue/tokens',
        summary: 'Join the waiting queue of a concert (or get the live token you already have)',
        body: JoinQueueBody,
        responses: {
          201: { description: 'a new token', schema: TokenResponse },
          200: { description: "the user's live token for that concert", schema: TokenResponse },
        },
      },
      async ({ body }, _req, res) => {
        const { view, created } = await queue.join(body.userId, body.concertId);
        res.status(created ? 201 : 200).json(view);
      },
    )
    .add(
      {
        method: 'get',
        path: '/queue/tokens/me',
        summary: 'Poll the status of your token; Retry-After suggests the next poll',
        auth: 'bearer',
        responses: { 200: { description: 'fresh status', schema: TokenResponse } },
      },
      async (_input, req, res) => {
        const claims = await verifiedClaims(req, signer);
        const view = await queue.status(bearerToken(req), claims);
        res.setHeader(
          'Retry-After',
          String(retryAfterSeconds(view.position, queue.settings.admitPerSecond)),
        );
        res.json(view);
      },
    )
    .add(
      {
        method: 'get',
        path: '/queue/tokens/me/events',
        summary: 'Server-Sent Events: `position` on every change, `active` when admitted',
        auth: 'bearer',
        responses: { 200: { description: 'an event stream', contentType: 'text/event-stream' } },
      },
      async (_input, req, res) => {
        const claims = await verifiedClaims(req, signer);
        await queue.status(bearerToken(req), claims); // 401 now if the token is already gone
        streams.subscribe(bearerToken(req), claims, res);
      },
    )
    .add(
      {
        method: 'delete',
        path: '/queue/tokens/me',
        summary: 'Leave the queue; the token answers 401 afterwards',
        auth: 'bearer',
        responses: { 204: { description: 'left' } },
      },
      async (_input, req, res) => {
        await queue.leave(await verifiedClaims(req, signer));
        res.status(204).end();
      },
    );
}
