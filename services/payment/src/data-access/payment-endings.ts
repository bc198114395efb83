import type { PgNotifications } from '@ticketing/platform';

/** The channel the transaction that ends a payment notifies (migration 0001's trigger). */
const CHANNEL = 'payment_ended';

/**
 * Lets a request wait for a payment to end (Prefer: wait=N), whichever instance runs its saga:
 * the ending transaction NOTIFYs `payment_ended`, every instance listens (the process's one
 * notification connection, which reconnects by itself). Waiters also poll once a second, which
 * covers a notification missed while that connection was down.
 */
export class PaymentEndings {
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopped = false;

  constructor(notifications: PgNotifications) {
    notifications.on(CHANNEL, (paymentId) => this.wake(paymentId));
  }

  /**
   * Resolves when the payment ends or `ms` pass; `isEnded` is asked after each wake-up (a
   * notification, or the once-a-second poll). The caller knows it had not ended when it called.
   */
  async wait(paymentId: string, ms: number, isEnded: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stopped && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiting.get(paymentId)?.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(1000, Math.max(0, deadline - Date.now())));
        (this.waiting.get(paymentId) ?? this.waiting.set(paymentId, new Set()).get(paymentId)!).add(
          done,
        );
      });
      if (this.waiting.get(paymentId)?.size === 0) this.waiting.delete(paymentId);
      if (await isEnded()) return;
    }
  }

  private wake(paymentId: string): void {
    for (const done of [...(this.waiting.get(paymentId) ?? [])]) done();
  }

  /** Requests still waiting answer at once (the service is stopping). */
  stop(): void {
    this.stopped = true;
    for (const id of [...this.waiting.keys()]) this.wake(id);
  }
}
