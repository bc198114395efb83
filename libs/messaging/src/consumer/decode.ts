import { EnvelopeSchema, type Envelope } from '../envelope';
import type { HandlerEntry } from './handlers';

export type Decoded<Ctx> =
  | { status: 'ok'; envelope: Envelope; entry: HandlerEntry<Ctx> }
  /** Another consumer's type on a shared topic: not ours to handle. */
  | { status: 'ignored'; envelope: Envelope }
  | {
      status: 'invalid';
      reason: 'MALFORMED_ENVELOPE' | 'SCHEMA_VIOLATION';
      error: string;
      type?: string;
    };

/**
 * A consumed value as its envelope, its data checked against the contract of its type and
 * parsed by it (defaults and transforms applied), with the handler for it.
 */
export function decode<Ctx>(
  value: Buffer | null,
  handlers: ReadonlyMap<string, HandlerEntry<Ctx>>,
): Decoded<Ctx> {
  let envelope: Envelope;
  try {
    envelope = EnvelopeSchema.parse(JSON.parse(value?.toString('utf8') ?? '')) as Envelope;
  } catch (err) {
    return { status: 'invalid', reason: 'MALFORMED_ENVELOPE', error: (err as Error).message };
  }
  const entry = handlers.get(envelope.type);
  if (!entry) return { status: 'ignored', envelope };
  const parsed = entry.contract.schema.safeParse(envelope.data);
  if (!parsed.success) {
    const error = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return { status: 'invalid', reason: 'SCHEMA_VIOLATION', error, type: envelope.type };
  }
  return { status: 'ok', envelope: { ...envelope, data: parsed.data }, entry };
}
