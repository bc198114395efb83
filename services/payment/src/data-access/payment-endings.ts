import type { Logger } from '@ticketing/platform';
import pg from 'pg';

/**
 * Lets a request wait for a payment to end (Prefer: wait=N), whichever instance runs its saga:
 * the ending transaction NOTIFYs `payment_ended`, every instance LISTENs. A lost connection is
 * reconnected with backoff for as long as it takes; meanwhile, and for a notification missed
 * during the gap, waiters poll once a second.
 */
export class PaymentEndings {
  private client?: pg.Client;
  private readonly waiting = new Map<string, Set<() => void>>();
  private stopped = false;
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly logger: Logger,
  ) {}

  /** Listens; resolves once listening (a failure at start is the caller's to report). */
  async start(): Promise<void> {
    await this.listen();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'payment-endings',
    });
    client.on('notification', (n) => this.wake(n.payload ?? ''));
    const lost = (err?: Error) => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      this.logger.warn({ err }, 'payment endings connection lost; reconnecting');
      this.reconnect(1);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query('listen payment_ended');
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
  }

  private reconnect(attempt: number): void {
    if (this.stopped) return;
    const delay = Math.min(500 * 2 ** (attempt - 1), 10_000);
    this.retry = setTimeout(() => {
      this.listen().then(
        () => this.logger.info({ attempt }, 'payment endings listening again'),
        (err: unknown) => {
          this.logger.warn(
            { err: (err as Error).message, attempt, nextInMs: Math.min(delay * 2, 10_000) },
            'payment endings could not reconnect; trying again',
          );
          this.reconnect(attempt + 1);
        },
      );
    }, delay);
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
    clearTimeout(this.retry);
    for (const id of [...this.waiting.keys()]) this.wake(id);
    await this.client?.end().catch(() => undefined);
  }
}
