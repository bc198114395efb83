import { requireActiveCaller, requireOwner, type Caller } from '@ticketing/auth';
import { AppError, type Database } from '@ticketing/platform';
import type { Payment } from './payment';
import type { PaymentEndingWaits, PaymentsIn } from './repositories';

/** What can be asked about payments: by their payer, by an operator, by the service itself. */
export class PaymentQueries {
  constructor(
    private readonly db: Database,
    private readonly paymentsIn: PaymentsIn,
    /** Notifications of ended payments (Prefer: wait). */
    private readonly endings?: PaymentEndingWaits,
  ) {}

  /** The payer's payment: their identity, or their ACTIVE queue pass of its concert. */
  async get(caller: Caller, paymentId: string): Promise<Payment> {
    requireActiveCaller(caller);
    const payment = await this.find(paymentId);
    requireOwner(caller, {
      ownerId: payment.userId,
      concertId: payment.concertId,
      what: 'payment',
    });
    return payment;
  }

  /**
   * The payment once it has ended (COMPLETED or FAILED), or as it stands after `ms` (Prefer:
   * wait=N): woken by the ending transaction's notification, whichever instance ran the saga.
   * `payment` is how the caller last saw it (a request that just created it need not read it).
   */
  async awaitEnd(payment: Payment, ms: number): Promise<Payment> {
    const paymentId = payment.paymentId;
    let current = payment;
    if (!this.endings || current.status !== 'PENDING') return current;
    await this.endings.wait(paymentId, ms, async (ended) => {
      current = ended ?? (await this.find(paymentId));
      return current.status !== 'PENDING';
    });
    return current;
  }

  /** As it is now, whoever asks (the request that created it, waiting for its end). */
  async find(paymentId: string): Promise<Payment> {
    const payment = await this.paymentsIn(this.db).find(paymentId);
    if (!payment) throw AppError.notFound(`payment ${paymentId} not found`);
    return payment;
  }

  /**
   * The caller's payments of a reservation, newest first: how a fan whose POST /payments answer
   * was lost learns the outcome after the saga spent their queue pass. Someone else's
   * reservation simply has none of the caller's payments.
   */
  ofReservation(userId: string, reservationId: string): Promise<Payment[]> {
    return this.paymentsIn(this.db).ofReservation(userId, reservationId);
  }

  /** How many sagas are still past their deadline `graceSeconds` after it (stuck ones). */
  overdueSagas(graceSeconds: number): Promise<number> {
    return this.paymentsIn(this.db).countOverdue(graceSeconds);
  }

  /**
   * Forgets the timelines of sagas that ended more than the window ago (retention): the payment
   * stays, its view then shows no steps.
   */
  forgetEndedTimelines(olderThanMinutes: number): Promise<number> {
    return this.paymentsIn(this.db).purgeEndedTimelines(olderThanMinutes);
  }

  /** The saga's timeline: for its payer, or an operator (`ticketing:admin`). */
  async timeline(caller: Caller, paymentId: string) {
    const payment =
      caller.kind === 'identity' && caller.admin
        ? await this.find(paymentId)
        : await this.get(caller, paymentId);
    return { payment, steps: await this.paymentsIn(this.db).steps(paymentId) };
  }
}
