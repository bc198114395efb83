import { Consumer, MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import {
  FETCH_RETRIES,
  internalSymbol,
  replanFailedFetches,
  type FetchingConsumer,
} from '../src/platformatic/fetch-recovery';

const RETRY = Symbol('plt.kafka.base.performWithRetry');

/** A consumer whose fetch answers what the test says, and records the retries asked for. */
function fakeConsumer(answer: { error?: Error; response?: unknown }) {
  const seen = { retryLimits: [] as unknown[], metadataCleared: 0 };
  const consumer = {
    [RETRY](...args: unknown[]) {
      seen.retryLimits.push(args[6]);
    },
    fetch(_options: unknown, callback: (error: Error | null, response?: unknown) => void) {
      (this as unknown as Record<symbol, (...a: unknown[]) => void>)[RETRY]!(
        'fetch',
        () => 0,
        callback,
        0,
      );
      setImmediate(() => callback(answer.error ?? null, answer.response));
    },
    clearMetadata() {
      seen.metadataCleared++;
    },
  };
  return { consumer: consumer as FetchingConsumer, seen };
}

const fetched = (consumer: FetchingConsumer) =>
  new Promise<{ error: Error | null; response?: unknown }>((resolve) =>
    consumer.fetch({}, (error, response) => resolve({ error, response })),
  );

describe('a @platformatic/kafka fetch that failed on a lost broker', () => {
  it('when the client is the one this reaches into, then its retry method is found', () => {
    const consumer = new Consumer({
      clientId: 'test',
      groupId: 'test',
      bootstrapBrokers: ['localhost:1'],
    });
    expect(typeof internalSymbol(consumer, 'plt.kafka.base.performWithRetry')).toBe('symbol');
    expect(() => internalSymbol(consumer, 'plt.kafka.no-such-method')).toThrow(
      /fetch-recovery\.ts/,
    );
  });

  it('when a fetch fails for a reason that passes (a broker gone, a session out of step), then the stream gets nothing fetched, with the metadata dropped, instead of the error', async () => {
    const gone = new MultipleErrors('fetch failed 3 times.', [
      new NetworkError('Connection closed'),
      new NetworkError('Connection to 127.0.0.1:20181 failed.', {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:20181'), {
          code: 'ECONNREFUSED',
        }),
      }),
      new ProtocolError('INVALID_FETCH_SESSION_EPOCH'),
    ]);
    const { consumer, seen } = fakeConsumer({ error: gone });
    replanFailedFetches(consumer, RETRY, 1);

    const { error, response } = await fetched(consumer);

    expect(error).toBeNull();
    expect(response).toMatchObject({ responses: [] });
    expect(seen.metadataCleared).toBe(1);
    expect(seen.retryLimits).toEqual([FETCH_RETRIES]); // fewer tries on the broker planned for
  });

  it('when a fetch fails for a reason that will not pass (an offset out of range), then the stream gets the error to act on', async () => {
    const outOfRange = new ProtocolError('OFFSET_OUT_OF_RANGE');
    const { consumer, seen } = fakeConsumer({ error: outOfRange });
    replanFailedFetches(consumer, RETRY, 1);

    expect((await fetched(consumer)).error).toBe(outOfRange);
    expect(seen.metadataCleared).toBe(0);
  });

  it('when a fetch succeeds, then its response goes through untouched', async () => {
    const response = { responses: [{ topicId: 't', partitions: [] }] };
    const { consumer } = fakeConsumer({ response });
    replanFailedFetches(consumer, RETRY, 1);

    expect(await fetched(consumer)).toEqual({ error: null, response });
  });
});
