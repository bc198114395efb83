/** Pure arithmetic of what a waiting fan is told. */

/** Seconds until admission at the configured rate; null while admission is paused. */
export function estimatedWaitSeconds(position: number, admitPerSecond: number): number | null {
  if (position <= 0) return 0;
  if (admitPerSecond <= 0) return null;
  return Math.ceil(position / admitPerSecond);
}

/**
 * When to poll again: every second near the front (the next tick may admit you), up to 30 s
 * far back, so a long queue does not turn into a polling storm.
 */
export function retryAfterSeconds(position: number, admitPerSecond: number): number {
  const wait = estimatedWaitSeconds(position, admitPerSecond);
  if (wait === null) return 30;
  if (position <= admitPerSecond) return 1;
  return Math.min(30, Math.max(1, Math.ceil(wait / 5)));
}
