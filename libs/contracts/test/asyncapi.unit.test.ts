import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import fs from 'node:fs';
import path from 'node:path';
import { MESSAGES, SERVICES, type ServiceName } from '@ticketing/contracts';
import { asyncApiDocument, dltOf, type HandledTypes } from '@ticketing/messaging';
import { messageHandlers as concertHandlers } from '../../../services/concert/src/entry-points/messaging/handlers';
import { messageHandlers as paymentHandlers } from '../../../services/payment/src/entry-points/messaging/handlers';
import { messageHandlers as queueHandlers } from '../../../services/queue/src/entry-points/messaging/handlers';
import { messageHandlers as reservationHandlers } from '../../../services/reservation/src/entry-points/messaging/handlers';
import { messageHandlers as walletHandlers } from '../../../services/wallet/src/entry-points/messaging/handlers';

/**
 * The AsyncAPI document of the events (libs/contracts/asyncapi.json, served at /docs/events) is
 * generated from the contracts and the services' handler tables. `npm run asyncapi` writes it;
 * here it must parse as AsyncAPI 3.0 and be what the code says today.
 */
const FILE = path.resolve(__dirname, '../asyncapi.json');
const VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as {
    version: string;
  }
).version;

// The tables only hold their dependencies for later: building them with none is enough to read them.
const none = undefined as never;
const HANDLED: HandledTypes = Object.fromEntries(
  (
    [
      ['queue', queueHandlers({ places: none, concerts: none })],
      ['concert', concertHandlers(none)],
      ['reservation', reservationHandlers(none)],
      ['wallet', walletHandlers(none)],
      ['payment', paymentHandlers(none)],
    ] as const
  ).map(([service, table]) => [service, table.map((entry) => entry.contract.type)]),
) as HandledTypes;
const generated = `${JSON.stringify(asyncApiDocument(HANDLED, VERSION), null, 2)}\n`;

type Doc = {
  channels: Record<string, { messages: Record<string, unknown> }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: {
    messages: Record<
      string,
      {
        payload: { properties: Record<string, unknown> };
        headers: { properties: Record<string, unknown> };
        bindings: { kafka: { key: unknown } };
        'x-producer': string | string[];
        'x-consumers': string[];
      }
    >;
  };
};

describe('the AsyncAPI document of the events', () => {
  if (process.env.ASYNCAPI_WRITE === '1') {
    it('when asked to, then it is written', () => {
      fs.writeFileSync(FILE, generated);
    });
    return;
  }

  it('when the contracts or a handler table changed, then the committed document was regenerated (npm run asyncapi)', () => {
    const committed = fs.existsSync(FILE) ? fs.readFileSync(FILE, 'utf8') : '(missing)';
    // The message says what to do; the comparison says what differs.
    if (committed !== generated)
      throw new Error(
        `libs/contracts/asyncapi.json is not what the code says: run npm run asyncapi and commit it`,
      );
  });

  it('when parsed with @asyncapi/parser, then it is valid AsyncAPI 3.0 without errors or warnings', async () => {
    const { document, diagnostics } = await new Parser().parse(generated);
    const problems = diagnostics.filter(
      (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
    );
    expect(problems.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(document!.channels().length).toBe(2 * new Set(MESSAGES.map((m) => m.topic)).size);
    expect(document!.messages().length).toBeGreaterThanOrEqual(MESSAGES.length);
  });

  const doc = JSON.parse(generated) as Doc;

  it('when read, then every topic is a channel with each of its message types, and its dead-letter topic is one too', () => {
    for (const m of MESSAGES) {
      expect(Object.keys(doc.channels[m.topic]!.messages)).toContain(m.type);
      expect(Object.keys(doc.channels[dltOf(m.topic)]!.messages)).toEqual([dltOf(m.topic)]);
    }
    const declared = Object.values(SERVICES).flatMap((s) => [...s.consumes, ...s.produces]);
    expect(Object.keys(doc.channels).sort()).toEqual(
      [...new Set(declared)].flatMap((t) => [t, dltOf(t)]).sort(),
    );
  });

  it('when a message is read, then it has its schema, key, headers, producer and consumers as the code has them', () => {
    for (const m of MESSAGES) {
      const message = doc.components.messages[m.type]!;
      const data = message.payload.properties.data as {
        properties?: Record<string, unknown>;
        anyOf?: unknown[];
      };
      const { shape, options } = m.schema as unknown as { shape?: object; options?: unknown[] };
      if (shape) expect(Object.keys(data.properties!).sort()).toEqual(Object.keys(shape).sort());
      else expect(data.anyOf).toHaveLength(options!.length);
      expect(message.payload.properties.type).toMatchObject({ const: m.type });
      expect(Object.keys(message.headers.properties)).toEqual(
        expect.arrayContaining(['event-type', 'correlation-id', 'traceparent', 'message-id']),
      );
      expect(message.bindings.kafka.key).toBeDefined();
      const producer = (Object.keys(SERVICES) as ServiceName[]).find((s) =>
        (SERVICES[s].produces as readonly string[]).includes(m.topic),
      );
      expect({ type: m.type, producer: message['x-producer'] }).toEqual({ type: m.type, producer });
      const consumers = (Object.keys(HANDLED) as ServiceName[]).filter((s) =>
        HANDLED[s].includes(m.type),
      );
      expect({ type: m.type, consumers: message['x-consumers'] }).toEqual({
        type: m.type,
        consumers,
      });
      // Each consumer's receive operation is on the message's channel.
      for (const c of consumers)
        expect(doc.operations[`${c}.receives.${m.topic}`]).toMatchObject({
          action: 'receive',
          channel: { $ref: `#/channels/${m.topic}` },
        });
    }
  });

  it('when a dead letter is read, then its error headers are there: reason, error, where it came from', () => {
    for (const topic of new Set(MESSAGES.map((m) => m.topic))) {
      const dlt = doc.components.messages[dltOf(topic)]!;
      expect(Object.keys(dlt.headers.properties)).toEqual(
        expect.arrayContaining([
          'dlt-reason',
          'dlt-error',
          'dlt-original-topic',
          'dlt-original-partition',
          'dlt-original-offset',
          'dlt-consumer-group',
          'dlt-failed-at',
        ]),
      );
    }
  });
});
