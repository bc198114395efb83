/**
 * The consumer fetches at most once per window: kafkajs fetches again once every batch of a
 * fetch is handled, so the batches wait out what is left of the window after the first of them
 * began, and the next fetch brings what arrived meanwhile in one go. A stop ends every wait.
 */
export class BatchWindow {
  private inFlight = 0;
  private fetchStartedAt = 0;
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(private readonly windowMs: number) {}

  /** A batch of the current fetch begins. */
  enter(): void {
    if (this.inFlight++ === 0) this.fetchStartedAt = Date.now();
  }

  /** The batch is handled: waits out what is left of the window. */
  async waitOut(): Promise<void> {
    const rest = this.fetchStartedAt + this.windowMs - Date.now();
    if (rest > 0 && !this.closed) await this.wait(rest);
  }

  /** The batch is done (handled and waited, or failed). */
  exit(): void {
    this.inFlight--;
  }

  /** Ends every wait now and every later one at once (a stop). */
  close(): void {
    this.closed = true;
    for (const end of [...this.waits]) end();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.waits.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.waits.add(end);
    });
  }
}
