import { backoffDelay, type Logger } from '@ticketing/platform';

export interface RestartOptions {
  /** Tears down what crashed and brings up a fresh one; throws if it could not. */
  restart(): Promise<void>;
  logger: Logger;
  /** Named in the log lines. */
  subject: Record<string, unknown>;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Brings a crashed consumer back with exponential backoff until one runs, and says meanwhile
 * that it is down (readiness reports it: a consumer that stays down while the service answers
 * HTTP as if all were well is the failure this exists for).
 */
export class RestartSupervisor {
  private downSince?: number;
  private timer?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  private stopped = false;

  constructor(private readonly options: RestartOptions) {}

  crashed(error: Error): void {
    if (this.stopped) return;
    this.downSince ??= Date.now();
    this.options.logger.error(
      { err: error.message, ...this.options.subject },
      'kafka consumer crashed and its client will not restart it; restarting it here',
    );
    this.schedule(1);
  }

  /** How long it has been down, or undefined while it runs. */
  downForMs(): number | undefined {
    return this.downSince === undefined ? undefined : Date.now() - this.downSince;
  }

  /** No restart after this; one in progress is waited for. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.restarting;
  }

  private schedule(attempt: number): void {
    if (this.stopped || this.timer) return;
    const { firstDelayMs = 250, maxDelayMs = 10_000, logger, subject } = this.options;
    const delay = backoffDelay(attempt, { firstMs: firstDelayMs, maxMs: maxDelayMs });
    this.timer = setTimeout(() => {
      this.restarting = this.options
        .restart()
        .then(
          () => {
            this.timer = undefined;
            if (this.stopped) return;
            this.downSince = undefined;
            logger.info(subject, 'kafka consumer restarted');
          },
          (err: unknown) => {
            this.timer = undefined;
            if (this.stopped) return;
            logger.warn(
              { err: (err as Error).message, attempt, ...subject },
              'kafka consumer restart failed; trying again',
            );
            this.schedule(attempt + 1);
          },
        )
        .finally(() => (this.restarting = undefined));
    }, delay);
  }
}
