import { defineMessage } from './message';
import { z } from 'zod';
import { PositiveId, Uuid, UserId } from './common';
import { TOPICS } from './topics';

const byToken = (d: { tokenId: string }) => d.tokenId;

export const expireToken = defineMessage({
  type: 'queue.expire-token',
  version: 1,
  topic: TOPICS.queueCommands,
  key: byToken,
  schema: z.object({ tokenId: Uuid, userId: UserId, concertId: PositiveId, paymentId: Uuid }),
});

export const tokenExpired = defineMessage({
  type: 'queue.token-expired',
  version: 1,
  topic: TOPICS.queueEvents,
  key: byToken,
  schema: z.object({
    tokenId: Uuid,
    userId: UserId,
    concertId: PositiveId,
    paymentId: Uuid.nullable(),
    /** False when the token was already gone (expired, left): acknowledged all the same. */
    removed: z.boolean(),
  }),
});
