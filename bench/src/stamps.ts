let last = 0;

/**
 * A number no other caller in this bench process gets, close to `Date.now()`: what names a
 * scenario's databases, topics, Redis key prefixes and consumer groups. A smoke run's scenarios
 * go side by side (run.ts), so two of them may ask within one millisecond.
 */
export function uniqueStamp(): number {
  last = Math.max(Date.now(), last + 1);
  return last;
}
