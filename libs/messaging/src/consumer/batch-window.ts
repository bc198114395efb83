/** How much the latest fetch counts in the running estimates (exponentially weighted). */
const WEIGHT = 0.2;
/**
 * Busy: messages arrive at least this many times as fast as the consumer handles a fetch. At 1,
 * a consumer at ordinary load (40 sagas/s) flickered in and out of batching; at 2 it stays out,
 * and consumers under load still batch (measured, ADR 0014).
 */
const BUSY = 2;

/**
 * The consumer fetches at most once per window while it is busy, and at once while it is not (a
 * group commit's rule, ADR 0014): kafkajs fetches again once every batch of a fetch is handled.
 * Busy means messages arrive much faster than one fetch is handled (arrival rate × handling
 * time ≥ BUSY: a backlog builds while it works); then the batches of a fetch that brought more than one
 * message wait out what is left of the window after the first of them began, and the next fetch
 * brings what arrived in one go. A consumer that keeps up handles each message as it lands: at
 * ordinary load nothing waits. A stop ends every wait.
 */
export class BatchWindow {
  private inFlight = 0;
  private fetchStartedAt = 0;
  private fetched = 0;
  /** Messages per millisecond, and milliseconds to handle a fetch: running estimates. */
  private arrivals = 0;
  private handlingMs = 0;
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(private readonly windowMs: number) {}

  /** A batch of `messages` of the current fetch begins. */
  enter(messages: number): void {
    if (this.inFlight++ === 0) {
      const now = Date.now();
      if (this.fetchStartedAt > 0)
        this.arrivals = mix(this.arrivals, this.fetched / Math.max(1, now - this.fetchStartedAt));
      this.fetchStartedAt = now;
      this.fetched = 0;
    }
    this.fetched += messages;
  }

  /** Whether messages arrive much faster than the consumer handles a fetch. */
  get busy(): boolean {
    return this.arrivals * this.handlingMs >= BUSY;
  }

  /** The batch is handled: waits out what is left of the window if the consumer is busy. */
  async waitOut(): Promise<void> {
    const handled = Date.now() - this.fetchStartedAt;
    this.handlingMs = mix(this.handlingMs, handled);
    if (this.fetched <= 1 || this.closed || !this.busy) return;
    const rest = this.windowMs - handled;
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

const mix = (estimate: number, latest: number) => estimate + WEIGHT * (latest - estimate);
