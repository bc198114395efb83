import type { PgNotifications } from '@ticketing/platform/wiring';

/** The channel the transaction that ends a payment notifies (migration 0001's trigger). */
const CHANNEL = 'payment_ended';
const LOOK_AGAIN_MS = 5000;

/**
 * Lets a request wait for a payment to end (Prefer: wait=N), whichever instance runs its saga:
 * the ending transaction NOTIFYs `payment_ended`, every instance listens (the process's one
 * notification connection, which reconnects by itself). When that connection was down,
 * notifications sent meanwhile are lost: every waiter then looks again. A waiter also looks every
 * few seconds, whatever happens (a safety net, not the way it learns).
 */
export class PaymentEndings {
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopped = false;

  constructor(notifications: PgNotifications) {
    notifications.on(CHANNEL, (paymentId) => this.wake(paymentId));
    notifications.onGap(() => {
      for (const id of [...this.waiting.keys()]) this.wake(id);
    });
  }

  /**
   * Resolves when the payment ends or `ms` pass; `isEnded` is asked after each wake-up (a
   * notification, a reconnection, or the safety net). The caller knows it had not ended when it
   * called.
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
        const timer = setTimeout(done, Math.min(LOOK_AGAIN_MS, Math.max(0, deadline - Date.now())));
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
