import { Consumer, MultipleErrors, NetworkError, ProtocolError } from '@platformatic/kafka';
import {
  FETCH_RETRIES,
  internalSymbol,
  replanFailedFetches,
  type FetchingConsumer,
} from '../src/platformatic/fetch-recovery';
import { endStaleProduceAttempts, sendAfresh } from '../src/platformatic/produce-recovery';

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

describe('a @platformatic/kafka produce refused by a broker that no longer leads', () => {
  /** A producer whose attempts fail as the test says, through its (wrapped) retry method. */
  function fakeProducer(attempts: (Error | null)[]) {
    const seen = { metadataCleared: [] as number[], attempts: 0 };
    const producer = {
      // As the client's: retries while attempts remain, unless `shouldSkipRetry` says not to.
      [RETRY](...args: unknown[]) {
        const [, operation, callback, attempt = 0, errors = [], shouldSkipRetry] = args as [
          string,
          (cb: (e: Error | null, r?: unknown) => void, attempt: number) => void,
          (e: Error | null, r?: unknown) => void,
          number,
          Error[],
          ((e: Error) => boolean) | undefined,
        ];
        operation((error, result) => {
          seen.attempts++;
          if (error && attempt + 1 < attempts.length && !shouldSkipRetry?.(error))
            return (this as unknown as Record<symbol, (...a: unknown[]) => void>)[RETRY]!(
              'produce',
              operation,
              callback,
              attempt + 1,
              errors,
              shouldSkipRetry,
            );
          callback(error, result);
        }, attempt);
      },
      send(callback: (e: Error | null, r?: unknown) => void) {
        let attempt = 0;
        (this as unknown as Record<symbol, (...a: unknown[]) => void>)[RETRY]!(
          'produce',
          (cb: (e: Error | null, r?: unknown) => void) => {
            const error = attempts[attempt++] ?? null;
            cb(error, error ? undefined : 'written');
          },
          callback,
        );
      },
      clearMetadata() {
        seen.metadataCleared.push(Date.now());
      },
    };
    return { producer, seen };
  }
  const sent = (producer: { send(cb: (e: Error | null, r?: unknown) => void): void }) =>
    new Promise<{ error: Error | null; result?: unknown }>((resolve) =>
      producer.send((error, result) => resolve({ error, result })),
    );

  it('when an attempt is refused as not the leader, then the metadata is dropped and that grouping is not retried', async () => {
    const notLeader = new ProtocolError('NOT_LEADER_OR_FOLLOWER');
    const { producer, seen } = fakeProducer([notLeader, notLeader, null]);
    endStaleProduceAttempts(producer, RETRY);

    expect((await sent(producer)).error).toBe(notLeader);
    expect(seen).toMatchObject({ attempts: 1, metadataCleared: [expect.any(Number)] });
  });

  it('when an attempt fails for another reason, then the metadata is kept and the client retries', async () => {
    const { producer, seen } = fakeProducer([new NetworkError('Connection closed'), null]);
    endStaleProduceAttempts(producer, RETRY);

    expect((await sent(producer)).error).toBeNull();
    expect(seen).toMatchObject({ attempts: 2, metadataCleared: [] });
  });
});

describe('a @platformatic/kafka send refused as its partitions moved', () => {
  const notLeader = () => new ProtocolError('NOT_LEADER_OR_FOLLOWER');
  function sends(failures: Error[]) {
    const seen = { sends: 0, metadataCleared: 0 };
    const producer = { clearMetadata: () => void seen.metadataCleared++ };
    const send = () => {
      const failure = failures[seen.sends++];
      return failure ? Promise.reject(failure) : Promise.resolve('written');
    };
    return { producer, send, seen };
  }

  it('when a broker refuses it as not the leader, then the whole batch is sent again on fresh metadata until it is written', async () => {
    const { producer, send, seen } = sends([notLeader(), notLeader()]);

    await expect(sendAfresh(producer, send)).resolves.toBe('written');
    expect(seen).toEqual({ sends: 3, metadataCleared: 2 });
  });

  it('when it fails for another reason, then the failure is the answer, at once', async () => {
    const lost = new NetworkError('Connection closed');
    const { producer, send, seen } = sends([lost]);

    await expect(sendAfresh(producer, send)).rejects.toBe(lost);
    expect(seen.sends).toBe(1);
  });

  it('when the refusals outlast the retry budget, then the last refusal is the answer', async () => {
    const last = notLeader();
    const { producer, send, seen } = sends([notLeader(), last, notLeader()]);

    await expect(sendAfresh(producer, send, 50)).rejects.toBe(last);
    expect(seen.sends).toBe(2);
  });
});
