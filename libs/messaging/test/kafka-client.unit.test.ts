import pino from 'pino';
import type * as Wiring from '../src/wiring';

/**
 * A process loads the Kafka client it runs on and not the other: each library's module graph
 * costs start-up CPU in every service process (docs/testing.md). The libraries are replaced by
 * modules that record being loaded; nothing connects (a client connects on `connect()`).
 */
const mockLoaded: string[] = [];
jest.mock('kafkajs', () => {
  mockLoaded.push('kafkajs');
  return jest.requireActual('kafkajs');
});
jest.mock('@platformatic/kafka', () => {
  mockLoaded.push('@platformatic/kafka');
  return jest.requireActual('@platformatic/kafka');
});

const options = {
  brokers: ['127.0.0.1:9092'],
  clientId: 'load-test',
  logger: pino({ level: 'silent' }),
};

describe('createKafka', () => {
  beforeEach(() => {
    mockLoaded.length = 0;
    jest.resetModules();
  });

  it('when the messaging library is loaded, then neither client library is', () => {
    jest.requireActual('../src');
    jest.requireActual('../src/wiring');
    expect(mockLoaded).toEqual([]);
  });

  it.each([
    ['kafkajs', 'kafkajs'],
    ['platformatic', '@platformatic/kafka'],
  ] as const)('when %s is chosen, then %s alone is loaded', (client, library) => {
    const { createKafka } = jest.requireActual<typeof Wiring>('../src/wiring');
    createKafka({ ...options, client });
    expect(mockLoaded).toEqual([library]);
  });
});
