/** What the queue's use cases count; start.ts hands them an implementation (prom-client). */
export interface QueueMetrics {
  /** Fans admitted by a head move. */
  admitted(concertId: number, fans: number): void;
  /** Waiting fans who lost their place by going silent. */
  droppedIdle(concertId: number, fans: number): void;
  /** Fans in line, as of this instance's snapshot. */
  waiting(concertId: number, fans: number): void;
  /** Fans admitted and active. */
  active(concertId: number, fans: number): void;
  /** A line rebuilt from Postgres after Redis lost it. */
  lineRebuilt(): void;
  /** The concert's line is gone (its sales ended): its series go too, or they would pile up. */
  lineGone(concertId: number): void;
}
