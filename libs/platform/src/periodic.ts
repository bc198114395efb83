import type { Logger } from 'pino';

/**
 * Runs `work` every interval, never overlapping itself; a failure is logged and the next round
 * runs as usual. `stop()` waits for the round in progress.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly name: string,
    private readonly work: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): this {
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => (this.running = undefined));
    }, intervalMs);
    return this;
  }

  async runOnce(): Promise<void> {
    try {
      await this.work();
    } catch (err) {
      this.logger.warn({ err, task: this.name }, `${this.name} failed`);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
