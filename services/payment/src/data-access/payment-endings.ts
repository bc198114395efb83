import type { Logger } from '@ticketing/platform';
import pg from 'pg';

/**
 * Lets a request wait for a payment to end (Prefer: wait=N), whichever instance runs its saga:
 * the ending transaction NOTIFYs `payment_ended`, every instance LISTENs. A slow poll covers a
 * notification missed during a reconnect.
 */
export class PaymentEndings {
  private client?: pg.Client;
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'payment-waiters',
    });
    client.on('notification', (n) => this.wake(n.payload ?? ''));
    client.on('error', (err) => {
      this.logger.warn({ err }, 'payment waiters connection lost; reconnecting');
      this.client = undefined;
      if (!this.stopped) setTimeout(() => void this.start().catch(() => undefined), 1000);
    });
    await client.connect();
    await client.query('listen payment_ended');
    this.client = client;
  }

  /** Resolves when the payment ends or `ms` pass; `isEnded` is asked first and on every poll. */
  async wait(paymentId: string, ms: number, isEnded: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.stopped && !(await isEnded()) && Date.now() < deadline) {
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
    }
  }

  private wake(paymentId: string): void {
    for (const done of [...(this.waiting.get(paymentId) ?? [])]) done();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.waiting.keys()]) this.wake(id);
    await this.client?.end().catch(() => undefined);
  }
}
