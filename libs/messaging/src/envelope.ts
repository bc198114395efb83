import { randomUUID } from 'node:crypto';
import type { MessageContract } from '@ticketing/contracts';
import { childTraceparent, currentContext } from '@ticketing/platform';
import { z } from 'zod';

/** The envelope every message on every topic carries (ARCHITECTURE.md, Messages). */
export const EnvelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  source: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().min(1).nullable(),
  data: z.unknown(),
});

export type Envelope<T = unknown> = Omit<z.output<typeof EnvelopeSchema>, 'data'> & { data: T };

export interface OutgoingMessage {
  topic: string;
  key: string;
  envelope: Envelope;
  headers: Record<string, string>;
}

export const HEADER = {
  eventType: 'event-type',
  correlationId: 'correlation-id',
  traceparent: 'traceparent',
  messageId: 'message-id',
} as const;

export class SchemaError extends Error {
  constructor(type: string, error: z.ZodError) {
    super(
      `${type}: ${error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
    this.name = 'SchemaError';
  }
}

/**
 * Builds a message for `contract`, checking `data` against its schema (a bad message is a bug
 * of ours: it must not reach the topic). Correlation, causation and trace default to the work
 * in progress (the HTTP request or consumed message in AsyncLocalStorage).
 */
export function buildMessage<S extends z.ZodType>(
  contract: MessageContract<S>,
  data: z.input<S>,
  meta: { source: string; correlationId?: string; causationId?: string | null },
): OutgoingMessage {
  const parsed = contract.schema.safeParse(data);
  if (!parsed.success) throw new SchemaError(contract.type, parsed.error);
  const ctx = currentContext();
  const id = randomUUID();
  const envelope: Envelope = {
    id,
    type: contract.type,
    version: contract.version,
    occurredAt: new Date().toISOString(),
    source: meta.source,
    correlationId: meta.correlationId ?? ctx.correlationId ?? id,
    causationId: meta.causationId !== undefined ? meta.causationId : (ctx.causationId ?? null),
    data: parsed.data,
  };
  return {
    topic: contract.topic,
    key: contract.key(parsed.data),
    envelope,
    headers: {
      [HEADER.eventType]: contract.type,
      [HEADER.correlationId]: envelope.correlationId,
      // The span that commits this message (the request's or the consumed message's): it is the
      // parent of the relay's publish span and of the consumer's span on the other side.
      [HEADER.traceparent]: ctx.traceparent ?? childTraceparent(),
      [HEADER.messageId]: id,
    },
  };
}
