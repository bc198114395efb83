import { z } from 'zod';

export const JoinQueueBody = z.object({
  userId: z.uuid(),
  concertId: z.number().int().positive(),
});

export const TokenResponse = z.object({
  token: z.string(),
  tokenId: z.uuid(),
  userId: z.uuid(),
  concertId: z.number().int(),
  status: z.enum(['WAITING', 'ACTIVE']),
  position: z.number().int().nonnegative(),
  estimatedWaitSeconds: z.number().int().nonnegative().nullable(),
  expiresAt: z.iso.datetime(),
});
