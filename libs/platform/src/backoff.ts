/**
 * The wait before attempt `attempt + 1` after `attempt` failures (1 for the first): `firstMs`,
 * doubling each time, never more than `maxMs`. The doubling stops growing after 30 failures,
 * so a long outage cannot overflow it.
 */
export function backoffDelay(attempt: number, options: { firstMs: number; maxMs: number }): number {
  const doublings = Math.min(Math.max(attempt, 1) - 1, 30);
  return Math.min(options.firstMs * 2 ** doublings, options.maxMs);
}
