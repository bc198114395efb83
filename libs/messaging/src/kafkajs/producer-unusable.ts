/**
 * Kafka's answers that leave an idempotent producer unusable: its producer id or epoch is gone
 * or fenced, or its sequence numbers no longer match the broker's. kafkajs raises them as
 * non-retriable; every later send of that producer fails the same way.
 */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
]);

/** Whether a failed kafkajs send says the producer itself, not the broker, is broken. */
export function producerUnusable(err: unknown): boolean {
  for (let e = err as { message?: string; type?: string; cause?: unknown } | undefined; e;) {
    if (e.type && PRODUCER_STATE_LOST.has(e.type)) return true;
    if (/^The producer is disconnect(ed|ing)/.test(e.message ?? '')) return true;
    e = e.cause as typeof e;
  }
  return false;
}
