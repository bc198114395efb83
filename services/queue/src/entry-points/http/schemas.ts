import { UserId } from '@ticketing/contracts';
import { z } from 'zod';

export const JoinQueueBody = z.object({
  concertId: z.number().int().positive().max(2_147_483_647),
  /** Optional; when sent it must be the caller's own id (the identity's `sub`). */
  userId: UserId.optional(),
});

export const TokenResponse = z.object({
  token: z.string(),
  tokenId: z.uuid(),
  userId: UserId,
  concertId: z.number().int(),
  status: z.enum(['WAITING', 'SOLD_OUT', 'ACTIVE']),
  position: z.number().int().nonnegative(),
  estimatedWaitSeconds: z.number().int().nonnegative().nullable(),
  expiresAt: z.iso.datetime(),
});

export const StreamTicketResponse = z.object({
  ticket: z.string(),
  expiresAt: z.iso.datetime(),
  /** The event stream's path with the ticket, for `new EventSource(apiUrl + url)`. */
  url: z.string(),
});
