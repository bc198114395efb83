import {
  LOCAL_DEFAULTS,
  MESSAGES,
  SERVICES,
  keyTemplate,
  userIdFields,
  type MessageContract,
  type ServiceName,
} from '@ticketing/contracts';
import { z } from 'zod';
import { DLT_HEADER, DLT_REASONS } from './dlt';
import { EnvelopeSchema, HEADER } from './envelope';
import { REDRIVE_HEADER } from './dead-letters';
import { dltOf } from './topics';

/** Which message types each service handles: its topic → handler table, read by the caller. */
export type HandledTypes = Record<ServiceName, string[]>;

type Json = Record<string, unknown>;
const KAFKA_BINDING = '0.5.0';
/** What reads the dead-letter topics: operators, with `npm run dlt` (docs/operations.md). */
const DLT_READER = 'dlt';

/** A zod schema as the JSON Schema (draft-07, AsyncAPI's schema format) of what it produces. */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _draft, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' }) as Json;
  return readable(rest) as Json;
}

/** Without the regular expressions zod adds beside a `format` (uuid, date-time): the format says it. */
function readable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(readable);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Json).filter(
    ([key]) => !(key === 'pattern' && 'format' in (node as Json)),
  );
  return Object.fromEntries(entries.map(([key, value]) => [key, readable(value)]));
}

function producerOf(topic: string): ServiceName {
  const owners = (Object.keys(SERVICES) as ServiceName[]).filter((s) =>
    (SERVICES[s].produces as readonly string[]).includes(topic),
  );
  if (owners.length !== 1) throw new Error(`${topic} has ${owners.length} producers`);
  return owners[0]!;
}

function consumersOf(contract: MessageContract, handled: HandledTypes): ServiceName[] {
  return (Object.keys(handled) as ServiceName[]).filter((s) => handled[s].includes(contract.type));
}

const headers = (type: string): Json => ({
  type: 'object',
  required: [HEADER.eventType, HEADER.correlationId, HEADER.traceparent, HEADER.messageId],
  properties: {
    [HEADER.eventType]: { type: 'string', const: type, description: 'The message type.' },
    [HEADER.correlationId]: {
      type: 'string',
      description:
        "The business flow it belongs to (a payment's id for every step of its saga); the envelope's correlationId.",
    },
    [HEADER.traceparent]: {
      type: 'string',
      pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
      description: 'W3C trace context of the span that committed it: one trace per flow.',
    },
    [HEADER.messageId]: {
      type: 'string',
      format: 'uuid',
      description: "The envelope's id; consumers apply a message id once (inbox).",
    },
    [REDRIVE_HEADER.from]: {
      type: 'string',
      description:
        'Only on a redriven message: the dead letter it came from (topic/partition/offset).',
    },
    [REDRIVE_HEADER.at]: {
      type: 'string',
      format: 'date-time',
      description: 'Only on a redriven message: when it was sent back.',
    },
  },
});

const dltHeaders: Json = {
  type: 'object',
  description:
    'The original headers, kept, and where and why it was parked (libs/messaging/src/dlt.ts).',
  required: Object.values(DLT_HEADER),
  properties: {
    [DLT_HEADER.reason]: { type: 'string', enum: DLT_REASONS },
    [DLT_HEADER.error]: { type: 'string', maxLength: 2000, description: 'What failed, in words.' },
    [DLT_HEADER.originalTopic]: { type: 'string' },
    [DLT_HEADER.originalPartition]: { type: 'string', pattern: '^\\d+$' },
    [DLT_HEADER.originalOffset]: { type: 'string', pattern: '^\\d+$' },
    [DLT_HEADER.consumerGroup]: { type: 'string', description: 'The consumer group that gave up.' },
    [DLT_HEADER.failedAt]: { type: 'string', format: 'date-time' },
    [HEADER.eventType]: { type: 'string' },
    [HEADER.correlationId]: { type: 'string' },
    [HEADER.traceparent]: { type: 'string' },
    [HEADER.messageId]: { type: 'string' },
  },
};

function keyDescription(contract: MessageContract): string {
  const template = keyTemplate(contract);
  const personal = userIdFields(contract).some((f) => template.includes(`{${f}}`));
  return `${template}: the data's ${template.replace(/[{}]/g, '')}, so its messages keep their order${personal ? ' (a user id: masked in Kafka UI for engineers)' : ''}.`;
}

function message(contract: MessageContract, handled: HandledTypes): Json {
  const producer = producerOf(contract.topic);
  const consumers = consumersOf(contract, handled);
  const payload = EnvelopeSchema.extend({
    type: z.literal(contract.type),
    version: z.literal(contract.version),
    data: contract.schema,
  });
  return {
    name: contract.type,
    title: contract.type,
    summary: `${contract.type} v${contract.version} on ${contract.topic}: sent by ${producer}, handled by ${consumers.join(', ') || 'no service'}.`,
    contentType: 'application/json',
    headers: headers(contract.type),
    payload: jsonSchema(payload),
    correlationId: {
      description: 'The flow it belongs to.',
      location: `$message.header#/${HEADER.correlationId}`,
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: keyDescription(contract) },
        bindingVersion: KAFKA_BINDING,
      },
    },
    'x-partition-key': keyTemplate(contract),
    'x-producer': producer,
    'x-consumers': consumers,
    'x-user-id-fields': userIdFields(contract),
  };
}

function deadLetter(topic: string, handled: HandledTypes): Json {
  const parkedBy = consumersOfTopic(topic, handled);
  return {
    name: `${dltOf(topic)}`,
    title: `Dead letter of ${topic}`,
    summary: `A message of ${topic} that ${parkedBy.join(' or ')} could not handle, parked with why; npm run dlt lists and redrives it.`,
    contentType: 'application/json',
    headers: dltHeaders,
    payload: {
      description: `The original message's value, byte for byte (it may be malformed: that can be why it is here).`,
    },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The original key.' },
        bindingVersion: KAFKA_BINDING,
      },
    },
    'x-producer': parkedBy,
    'x-consumers': [DLT_READER],
  };
}

function consumersOfTopic(topic: string, handled: HandledTypes): ServiceName[] {
  return (Object.keys(SERVICES) as ServiceName[]).filter((s) =>
    MESSAGES.some((m) => m.topic === topic && handled[s].includes(m.type)),
  );
}

/**
 * The AsyncAPI 3.0 document of the system's events, from libs/contracts (topics, message types,
 * zod schemas, partition keys), the envelope and headers of libs/messaging, and the services'
 * handler tables (`handled`): a channel per topic and per dead-letter topic, a message per type,
 * a send operation per producer and a receive operation per consumer.
 */
export function asyncApiDocument(handled: HandledTypes, version: string): Json {
  const topics = [...new Set(MESSAGES.map((m) => m.topic))].sort();
  const messages: Json = {};
  const channels: Json = {};
  const operations: Json = {};
  const ref = (path: string) => ({ $ref: `#/${path}` });
  for (const topic of topics) {
    const ofTopic = MESSAGES.filter((m) => m.topic === topic);
    for (const m of ofTopic) messages[m.type] = message(m, handled);
    messages[dltOf(topic)] = deadLetter(topic, handled);
    channels[topic] = {
      address: topic,
      title: topic,
      description: `Written by ${producerOf(topic)}; read by ${consumersOfTopic(topic, handled).join(', ') || 'no service'}.`,
      messages: Object.fromEntries(
        ofTopic.map((m) => [m.type, ref(`components/messages/${m.type}`)]),
      ),
      bindings: { kafka: { topic, bindingVersion: KAFKA_BINDING } },
    };
    channels[dltOf(topic)] = {
      address: dltOf(topic),
      title: dltOf(topic),
      description: `Dead letters of ${topic}.`,
      messages: { [dltOf(topic)]: ref(`components/messages/${dltOf(topic)}`) },
      bindings: { kafka: { topic: dltOf(topic), bindingVersion: KAFKA_BINDING } },
    };
    const onChannel = (types: string[], channel: string) => ({
      channel: ref(`channels/${channel}`),
      messages: types.map((t) => ref(`channels/${channel}/messages/${t}`)),
    });
    const producer = producerOf(topic);
    operations[`${producer}.sends.${topic}`] = {
      action: 'send',
      title: `${producer} sends to ${topic}`,
      ...onChannel(
        ofTopic.map((m) => m.type),
        topic,
      ),
    };
    for (const consumer of consumersOfTopic(topic, handled)) {
      const types = ofTopic.filter((m) => handled[consumer].includes(m.type)).map((m) => m.type);
      operations[`${consumer}.receives.${topic}`] = {
        action: 'receive',
        title: `${consumer} handles ${types.join(', ')}`,
        ...onChannel(types, topic),
      };
      operations[`${consumer}.parks.${topic}`] = {
        action: 'send',
        title: `${consumer} parks what it cannot handle`,
        ...onChannel([dltOf(topic)], dltOf(topic)),
      };
    }
    operations[`${DLT_READER}.reads.${dltOf(topic)}`] = {
      action: 'receive',
      title: 'Operators list and redrive dead letters (npm run dlt)',
      ...onChannel([dltOf(topic)], dltOf(topic)),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Concert ticketing: events',
      version,
      description:
        'Every topic of the system, the messages on it, who sends and who handles them. Generated from libs/contracts and the services’ handler tables (npm run asyncapi); docs/architecture.md tells the flows.',
    },
    defaultContentType: 'application/json',
    servers: {
      cluster: {
        host: 'ticketing-kafka-kafka-bootstrap:9093',
        protocol: 'kafka-secure',
        description:
          'The Strimzi cluster (deploy/k8s): TLS, SCRAM-SHA-512, a Kafka user per service.',
        security: [ref('components/securitySchemes/scram')],
      },
      local: {
        host: LOCAL_DEFAULTS.kafkaBrokers,
        protocol: 'kafka',
        description: 'npm start and docker compose: no TLS, no login.',
      },
    },
    channels,
    operations,
    components: {
      messages,
      securitySchemes: {
        scram: { type: 'scramSha512', description: 'Each service logs in as its own Kafka user.' },
      },
    },
  };
}
