import { kafkajsIdleFixApplied } from '../src/kafkajs/idle-fix';

// kafkajs's own request queue, as a broker connection uses it (after the fix is applied at load).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: object) => {
  requestTimeoutIntervalId?: NodeJS.Timeout;
  scheduleRequestTimeoutCheck(): void;
  push(request: object): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  destroy(): void;
};

const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined };

function connectedQueue() {
  const queue = new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 10_000,
    enforceRequestTimeout: true,
    clientId: 'test',
    broker: 'test:9092',
    logger,
  });
  queue.scheduleRequestTimeoutCheck(); // what a connection does once it is up
  return queue;
}

function request(correlationId: number) {
  const outcome: { resolved?: boolean; rejected?: Error } = {};
  const entry = {
    correlationId,
    apiName: 'Fetch',
    apiKey: 1,
    apiVersion: 11,
    resolve: () => (outcome.resolved = true),
    reject: (err: Error) => (outcome.rejected = err),
  };
  return { pushed: { entry, expectResponse: true, sendRequest: () => undefined }, outcome };
}

describe('kafkajs 2.2.4 at rest (the idle fix)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('when the fix loads, then it applies to this kafkajs', () => {
    expect(kafkajsIdleFixApplied).toBe(true);
  });

  it('when a connection has nothing in flight, then no timer watches it; a request starts one, and it stops once answered', () => {
    const queue = connectedQueue();
    expect(queue.requestTimeoutIntervalId).toBeUndefined();
    const { pushed, outcome } = request(1);
    queue.push(pushed);
    expect(queue.requestTimeoutIntervalId).toBeDefined();
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(outcome.resolved).toBe(true);
    jest.advanceTimersByTime(1000);
    expect(queue.requestTimeoutIntervalId).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
    queue.destroy();
  });

  it('when a request is never answered, then it still times out', () => {
    const queue = connectedQueue();
    const { pushed, outcome } = request(2);
    queue.push(pushed);
    jest.advanceTimersByTime(10_000 + 1000);
    expect(outcome.rejected?.name).toBe('KafkaJSRequestTimeoutError');
    queue.destroy();
  });

  it('when the connection is destroyed, then nothing keeps watching it', () => {
    const queue = connectedQueue();
    queue.push(request(3).pushed);
    queue.destroy();
    expect(jest.getTimerCount()).toBe(0);
    queue.fulfillRequest({ correlationId: 3, payload: Buffer.alloc(0), size: 0 });
    queue.push(request(4).pushed); // a request on a closed connection arms nothing
    expect(queue.requestTimeoutIntervalId).toBeUndefined();
    expect(jest.getTimerCount()).toBe(0);
  });
});
