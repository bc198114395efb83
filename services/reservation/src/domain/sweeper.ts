import type { Logger } from '@ticketing/platform';
import type { SeatHolds } from './holds';

/** Releases holds whose time is over, every interval, on every instance (SKIP LOCKED keeps them apart). */
export class HoldSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly holds: SeatHolds,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, intervalMs);
  }

  async sweep(): Promise<void> {
    try {
      for (;;) {
        const n = await this.holds.releaseDueHolds();
        if (n > 0) this.logger.info({ released: n }, 'expired holds released');
        if (n < 200) return;
      }
    } catch (err) {
      this.logger.warn({ err }, 'hold sweep failed');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
