import { randomUUID } from 'node:crypto';
import { defineMessage } from '@ticketing/contracts';
import { z } from 'zod';
import { decode } from '../../src/consumer/decode';
import { on, type HandlerEntry } from '../../src/consumer/handlers';

const contract = defineMessage({
  type: 'seat.held',
  version: 1,
  topic: 'reservation.events',
  schema: z.object({ seatId: z.string(), count: z.number().default(1) }),
  key: (data) => data.seatId,
});
const entry = on(contract, async () => undefined);
const handlers = new Map<string, HandlerEntry<object>>([['seat.held', entry]]);

function value(envelope: object): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

const envelope = (type: string, data: unknown) => ({
  id: randomUUID(),
  type,
  version: 1,
  occurredAt: new Date().toISOString(),
  source: 'test',
  correlationId: randomUUID(),
  causationId: null,
  data,
});

describe('decode', () => {
  it('when the envelope and data are valid, then the handler and the parsed data (defaults applied) come back', () => {
    const decoded = decode(value(envelope('seat.held', { seatId: 's1' })), handlers);
    expect(decoded.status).toBe('ok');
    if (decoded.status !== 'ok') return;
    expect(decoded.entry).toBe(entry);
    expect(decoded.envelope.data).toEqual({ seatId: 's1', count: 1 });
  });

  it('when the type is another consumer’s, then it is ignored, its envelope kept for the count', () => {
    const decoded = decode(value(envelope('seat.released', {})), handlers);
    expect(decoded).toMatchObject({ status: 'ignored', envelope: { type: 'seat.released' } });
  });

  it('when the value is not JSON or not an envelope, then it is a malformed envelope', () => {
    expect(decode(Buffer.from('{nope'), handlers)).toMatchObject({
      status: 'invalid',
      reason: 'MALFORMED_ENVELOPE',
    });
    expect(decode(null, handlers)).toMatchObject({
      status: 'invalid',
      reason: 'MALFORMED_ENVELOPE',
    });
    expect(decode(value({ type: 'seat.held' }), handlers)).toMatchObject({
      status: 'invalid',
      reason: 'MALFORMED_ENVELOPE',
    });
  });

  it('when the data breaks the contract, then it is a schema violation naming the field and the type', () => {
    const decoded = decode(value(envelope('seat.held', { seatId: 7 })), handlers);
    expect(decoded).toMatchObject({
      status: 'invalid',
      reason: 'SCHEMA_VIOLATION',
      type: 'seat.held',
    });
    if (decoded.status === 'invalid') expect(decoded.error).toMatch(/^seatId: /);
  });
});
