import { SpanKind, inSpan } from '@ticketing/platform';
import type { KafkaMessage } from '../broker';
import { HEADER, type Envelope } from '../envelope';

/** Where a message was consumed. */
export type Place = { groupId: string; topic: string; partition: number };

/**
 * A consumed message's span (ADR 0011): a child of the span that committed the message (its
 * `traceparent` header), active while the handler runs, so its database and Redis calls and
 * the messages it writes belong to the same trace.
 */
export function inProcessSpan<T>(
  where: Place,
  message: KafkaMessage,
  envelope: Envelope,
  work: (traceparent: string) => Promise<T>,
): Promise<T> {
  const parent = message.headers?.[HEADER.traceparent];
  return inSpan(
    `process ${envelope.type}`,
    {
      kind: SpanKind.CONSUMER,
      parent: parent ? parent.toString() : undefined,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': where.topic,
        'messaging.destination.partition.id': String(where.partition),
        'messaging.consumer.group.name': where.groupId,
        'messaging.kafka.offset': Number(message.offset),
        'messaging.message.id': envelope.id,
        'messaging.message.conversation_id': envelope.correlationId,
        'ticketing.message.type': envelope.type,
      },
    },
    work,
  );
}
