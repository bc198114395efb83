import type { Logger } from 'pino';

/**
 * Runs `work` every interval, never overlapping itself (a round still running when the next is
 * due is not joined by another); a failure is logged and the next round runs as usual. `stop()`
 * waits for the round in progress; a stopped task may be started again.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Rounds every `intervalMs` from now on (the first after one interval); once started, a no-op. */
  start(intervalMs: number): this {
    this.timer ??= setInterval(() => {
      this.running ??= this.runOnce().finally(() => (this.running = undefined));
    }, intervalMs);
    return this;
  }

  get started(): boolean {
    return this.timer !== undefined;
  }

  /** One round now, its failure logged (not thrown). */
  async runOnce(): Promise<void> {
    try {
      await this.work();
    } catch (err) {
      this.logger.warn({ err, task: this.name }, `${this.name} failed`);
    }
  }

  /** No round starts after this; resolves once the round in progress (if any) has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
