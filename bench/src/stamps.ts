let last = 0;

/**
 * A number no other caller in this bench process gets, close to `Date.now()`: what names a
 * scenario's databases, topics, Redis key prefixes and consumer groups (one helper, so two names
 * asked for within one millisecond never meet).
 */
export function uniqueStamp(): number {
  last = Math.max(Date.now(), last + 1);
  return last;
}
