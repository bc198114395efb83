import { MESSAGES, SERVICES, type ServiceName } from '@ticketing/contracts';
import type { Envelope, OutgoingMessage } from '@ticketing/messaging';

/** What a test expects a service to have sent: the topic, the type and (part of) the data. */
export interface Sent {
  topic: string;
  type: string;
  data: Record<string, unknown>;
  envelope: Envelope;
}

/**
 * Messages as a sender put them on the wire, each checked against the system's contracts: its
 * type is a contract of the catalogue, its data passes that contract's schema, it goes to the
 * contract's topic, the sender may write that topic (its Kafka ACLs) and, for a command, a service
 * reads it. A saga step that sends to the wrong topic fails here, without a broker.
 */
export function checkedSent(sender: ServiceName, messages: OutgoingMessage[]): Sent[] {
  return messages.map(({ topic, envelope }) => {
    const contract = MESSAGES.find((c) => c.type === envelope.type);
    if (!contract) throw new Error(`${envelope.type} is not a message of the catalogue`);
    const parsed = contract.schema.safeParse(envelope.data);
    if (!parsed.success)
      throw new Error(`${envelope.type} breaks its contract: ${parsed.error.message}`);
    if (topic !== contract.topic)
      throw new Error(`${envelope.type} goes to ${contract.topic}, not ${topic}`);
    if (!(SERVICES[sender].produces as readonly string[]).includes(topic))
      throw new Error(`${sender} may not write ${topic}`);
    const readers = Object.values(SERVICES).filter((s) =>
      (s.consumes as readonly string[]).includes(topic),
    );
    if (topic.endsWith('.commands') && readers.length === 0)
      throw new Error(`no service reads ${topic}`);
    return { topic, type: envelope.type, data: envelope.data as Record<string, unknown>, envelope };
  });
}
