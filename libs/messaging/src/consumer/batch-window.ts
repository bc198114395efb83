/**
 * The consumer fetches at most once per window while work is waiting, and at once while it is
 * not (a group commit's rule): kafkajs fetches again once every batch of a fetch is handled, so
 * when a fetch brought more than one message — others are arriving meanwhile — its batches wait
 * out what is left of the window after the first of them began, and the next fetch brings what
 * arrived in one go. A fetch of one message (a quiet consumer) waits for nothing: the next
 * message is handled as soon as it lands. A stop ends every wait.
 */
export class BatchWindow {
  private inFlight = 0;
  private fetchStartedAt = 0;
  private fetched = 0;
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(private readonly windowMs: number) {}

  /** A batch of `messages` of the current fetch begins. */
  enter(messages: number): void {
    if (this.inFlight++ === 0) {
      this.fetchStartedAt = Date.now();
      this.fetched = 0;
    }
    this.fetched += messages;
  }

  /** The batch is handled: waits out what is left of the window if work was waiting. */
  async waitOut(): Promise<void> {
    if (this.fetched <= 1 || this.closed) return;
    const rest = this.fetchStartedAt + this.windowMs - Date.now();
    if (rest > 0) await this.wait(rest);
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
