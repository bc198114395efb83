import { randomUUID } from 'node:crypto';
import {
  AppError,
  currentTraceId,
  requestHashOf,
  requireSameRequest,
  type Database,
} from '@ticketing/platform';
import type { Payment } from './payment';
import type { PaymentsIn } from './repositories';
import { begin } from './saga';
import { outgoing } from './saga-driver';

export interface Fan {
  userId: string;
  tokenId: string;
  concertId: number;
}

/** A fan asks to pay for a held seat: the payment and its saga begin, once per request. */
export class PaymentRequests {
  constructor(
    private readonly db: Database,
    private readonly paymentsIn: PaymentsIn,
    private readonly options: { stepTimeoutMs: number },
  ) {}

  /**
   * A fan pays for a held seat: the payment row (PENDING) and the saga's first command commit
   * together. With an Idempotency-Key the same payment comes back; a second live payment for the
   * reservation is refused.
   */
  async request(
    fan: Fan,
    reservationId: string,
    idempotencyKey?: string,
  ): Promise<{ payment: Payment; created: boolean }> {
    const requestHash = idempotencyKey ? requestHashOf({ reservationId }) : null;
    if (idempotencyKey) {
      const existing = await this.sameKey(fan.userId, idempotencyKey, requestHash!);
      if (existing) return { payment: existing, created: false };
    }
    try {
      // The deadline `begin` computes is taken on the database's clock by the insert.
      const start = begin(
        {
          paymentId: randomUUID(),
          reservationId,
          userId: fan.userId,
          tokenId: fan.tokenId,
          concertId: fan.concertId,
        },
        new Date(),
        this.options.stepTimeoutMs,
      );
      const { messages, steps } = outgoing(start, {
        step: 'payment.requested',
        status: 'RECEIVED',
        messageId: null,
        note: start.note,
      });
      // The payment row (PENDING), its timeline and its first command: one statement.
      const payment = await this.paymentsIn(this.db).insert(
        start.saga,
        {
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
          stepTimeoutMs: this.options.stepTimeoutMs,
          traceId: currentTraceId() ?? null,
        },
        steps,
        messages,
      );
      return { payment, created: true };
    } catch (err) {
      const conflict = this.paymentsIn(this.db).conflictOf(err);
      if (conflict === 'IDEMPOTENCY_KEY')
        return {
          payment: (await this.sameKey(fan.userId, idempotencyKey!, requestHash!))!,
          created: false,
        };
      if (conflict === 'RESERVATION') {
        const live = await this.paymentsIn(this.db).findLiveForReservation(reservationId);
        // A completed payment proves who owns the reservation: anyone else is told 403, not
        // what state another user's reservation is in (API.md: ownership before state).
        if (live?.status === 'COMPLETED' && live.userId !== fan.userId)
          throw AppError.forbidden('this reservation belongs to another user');
        if (live?.status === 'COMPLETED')
          throw AppError.conflict('RESERVATION_ALREADY_PAID', 'this reservation is already paid', {
            paymentId: live.paymentId,
          });
        // Who owns the reservation is not known until it is confirmed: another user is told
        // that a payment is in progress, not which one (its id stays with its payer).
        throw AppError.conflict(
          'PAYMENT_IN_PROGRESS',
          'a payment for this reservation is in progress',
          live?.userId === fan.userId ? { paymentId: live.paymentId } : undefined,
        );
      }
      throw err;
    }
  }

  private async sameKey(
    userId: string,
    key: string,
    requestHash: string,
  ): Promise<Payment | undefined> {
    const existing = await this.paymentsIn(this.db).findByIdempotencyKey(userId, key);
    if (existing) requireSameRequest(existing.requestHash, requestHash);
    return existing;
  }
}
