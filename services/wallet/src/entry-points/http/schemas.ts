import { UserId } from '@ticketing/contracts';
import { z } from 'zod';

export const WalletParams = z.object({ userId: UserId });
// Range and integrality are checked by the domain (chargeAmountProblem) so the limit is configurable.
export const ChargeBody = z.object({ amount: z.number({ message: 'must be a number' }) });
export const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});

export const ChargeResponse = z.object({
  userId: UserId,
  balance: z.number().int(),
  transactionId: z.uuid(),
});
export const BalanceResponse = z.object({ userId: UserId, balance: z.number().int() });
export const HistoryResponse = z.object({
  items: z.array(
    z.object({
      transactionId: z.uuid(),
      type: z.enum(['CHARGE', 'DEBIT', 'REFUND']),
      amount: z.number().int(),
      balanceAfter: z.number().int(),
      paymentId: z.uuid().optional(),
      createdAt: z.iso.datetime(),
    }),
  ),
  nextCursor: z.string().optional(),
});
