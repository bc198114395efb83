import type { PgNotifications } from '@ticketing/platform/wiring';
import type { Payment } from '../domain/payment';
import type { PaymentEndingWaits } from '../domain/repositories';

/** The channel the transaction that ends a payment notifies (migration 0001's trigger). */
const CHANNEL = 'payment_ended';
const LOOK_AGAIN_MS = 5000;

/**
 * Lets a request wait for a payment to end (Prefer: wait=N), whichever instance runs its saga:
 * the ending transaction NOTIFYs `payment_ended`, every instance listens (the process's one
 * notification connection, which reconnects by itself). When that connection was down,
 * notifications sent meanwhile are lost: every waiter then looks again. A waiter also looks every
 * few seconds, whatever happens (a safety net, not the way it learns). A saga that ends in this
 * process hands its waiters the payment as stored (`ended`): nothing to read back, no wait for the
 * notification's round through the server.
 */
export class PaymentEndings implements PaymentEndingWaits {
  private readonly waiting = new Map<string, Set<(ended?: Payment) => void>>();
  private stopped = false;

  constructor(notifications: PgNotifications) {
    notifications.on(CHANNEL, (paymentId) => this.wake(paymentId));
    notifications.onGap(() => {
      for (const id of [...this.waiting.keys()]) this.wake(id);
    });
  }

  /**
   * Resolves when the payment ends or `ms` pass; `isEnded` is asked after each wake-up (a
   * notification, a reconnection, or the safety net), with the payment when this process ended
   * it. The caller knows it had not ended when it called.
   */
  async wait(
    paymentId: string,
    ms: number,
    isEnded: (ended?: Payment) => Promise<boolean>,
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stopped && Date.now() < deadline) {
      const ended = await new Promise<Payment | undefined>((resolve) => {
        const done = (payment?: Payment) => {
          clearTimeout(timer);
          this.waiting.get(paymentId)?.delete(done);
          resolve(payment);
        };
        const timer = setTimeout(done, Math.min(LOOK_AGAIN_MS, Math.max(0, deadline - Date.now())));
        (this.waiting.get(paymentId) ?? this.waiting.set(paymentId, new Set()).get(paymentId)!).add(
          done,
        );
      });
      if (this.waiting.get(paymentId)?.size === 0) this.waiting.delete(paymentId);
      if (await isEnded(ended)) return;
    }
  }

  /** A saga of this process ended (after its commit): its waiters have their answer. */
  ended(payment: Payment): void {
    this.wake(payment.paymentId, payment);
  }

  private wake(paymentId: string, ended?: Payment): void {
    for (const done of [...(this.waiting.get(paymentId) ?? [])]) done(ended);
  }

  /** Requests still waiting answer at once (the service is stopping). */
  stop(): void {
    this.stopped = true;
    for (const id of [...this.waiting.keys()]) this.wake(id);
  }
}
