import { UserId } from '@ticketing/contracts';
import { z } from 'zod';

export const PaymentBody = z.object({ reservationId: z.uuid() });
export const PaymentParams = z.object({ paymentId: z.uuid() });
export const PaymentsQuery = z.object({ reservationId: z.uuid() });

export const PaymentView = z.object({
  paymentId: z.uuid(),
  reservationId: z.uuid(),
  userId: UserId,
  amount: z.number().int().nullable(),
  status: z.enum(['PENDING', 'COMPLETED', 'FAILED']),
  failureCode: z
    .enum([
      'INSUFFICIENT_BALANCE',
      'RESERVATION_EXPIRED',
      'RESERVATION_NOT_HELD',
      'FORBIDDEN',
      'TIMEOUT',
    ])
    .optional(),
  createdAt: z.iso.datetime(),
  completedAt: z.iso.datetime().optional(),
});

export const PaymentList = z.object({ items: z.array(PaymentView) });

export const SagaView = z.object({
  paymentId: z.uuid(),
  state: z.string(),
  traceId: z
    .string()
    .nullable()
    .describe('the trace the payment began in: open it in the tracing backend (Jaeger, Tempo …)'),
  steps: z.array(
    z.object({
      step: z.string(),
      status: z.string(),
      messageId: z.uuid().nullable(),
      at: z.iso.datetime(),
      note: z.string().nullable(),
    }),
  ),
});
