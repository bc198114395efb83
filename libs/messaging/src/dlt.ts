import type { KafkaMessage, Publisher } from './broker';
import { dltOf } from './topics';

export const DLT_HEADER = {
  reason: 'dlt-reason',
  error: 'dlt-error',
  originalTopic: 'dlt-original-topic',
  originalPartition: 'dlt-original-partition',
  originalOffset: 'dlt-original-offset',
  consumerGroup: 'dlt-consumer-group',
  failedAt: 'dlt-failed-at',
} as const;

/** Why a message was parked (its `dlt-reason` header). */
export const DLT_REASONS = [
  'MALFORMED_ENVELOPE',
  'SCHEMA_VIOLATION',
  'HANDLER_REJECTED',
  'RETRIES_EXHAUSTED',
] as const;
export type DltReason = (typeof DLT_REASONS)[number];

/** Parks a message that cannot be handled on `<topic>.dlt`, with why, so the partition moves on. */
export async function sendToDlt(
  producer: Publisher,
  source: { topic: string; partition: number; message: KafkaMessage; groupId: string },
  reason: DltReason,
  error: string,
): Promise<void> {
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(source.message.headers ?? {})) {
    if (typeof v === 'string' || Buffer.isBuffer(v)) headers[k] = v;
  }
  Object.assign(headers, {
    [DLT_HEADER.reason]: reason,
    [DLT_HEADER.error]: error.slice(0, 2000),
    [DLT_HEADER.originalTopic]: source.topic,
    [DLT_HEADER.originalPartition]: String(source.partition),
    [DLT_HEADER.originalOffset]: source.message.offset,
    [DLT_HEADER.consumerGroup]: source.groupId,
    [DLT_HEADER.failedAt]: new Date().toISOString(),
  });
  await producer.send({
    topic: dltOf(source.topic),
    messages: [{ key: source.message.key, value: source.message.value, headers }],
  });
}
