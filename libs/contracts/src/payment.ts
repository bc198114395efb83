import { defineMessage } from './message';
import { z } from 'zod';
import { Krw, Uuid, UserId } from './common';
import { TOPICS } from './topics';

const byPayment = (d: { paymentId: string }) => d.paymentId;

export const FAILURE_CODES = [
  'INSUFFICIENT_BALANCE',
  'RESERVATION_EXPIRED',
  'RESERVATION_NOT_HELD',
  'FORBIDDEN',
  'TIMEOUT',
] as const;

export const paymentCompleted = defineMessage({
  type: 'payment.completed',
  version: 1,
  topic: TOPICS.paymentEvents,
  key: byPayment,
  schema: z.object({ paymentId: Uuid, reservationId: Uuid, userId: UserId, amount: Krw }),
});

export const paymentFailed = defineMessage({
  type: 'payment.failed',
  version: 1,
  topic: TOPICS.paymentEvents,
  key: byPayment,
  schema: z.object({
    paymentId: Uuid,
    reservationId: Uuid,
    userId: UserId,
    failureCode: z.enum(FAILURE_CODES),
  }),
});
