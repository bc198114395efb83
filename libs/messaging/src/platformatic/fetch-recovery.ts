import { attempts } from './errors';

/** How many times a fetch is tried again on its broker before the plan is made afresh. */
export const FETCH_RETRIES = 2;
/** The pause before a fetch that failed is planned again: no busy loop while a broker is down. */
export const FETCH_REPLAN_AFTER_MS = 200;

/** The part of @platformatic/kafka's consumer this reaches into (2.12; checked by its unit test). */
export interface FetchingConsumer {
  fetch(options: unknown, callback: (error: Error | null, response?: unknown) => void): unknown;
  clearMetadata(): void;
}

type FetchCallback = (error: Error | null, response?: unknown) => void;

/** A fetch that brought nothing: the stream plans its next fetches from the metadata. */
const NOTHING_FETCHED = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] };

/**
 * A consumer's fetch that failed for a reason that may pass (a broker gone, a leader moved, a
 * fetch session out of step) answers "nothing fetched" after a short pause, with the metadata
 * dropped, instead of failing its stream; the stream then fetches each partition from its
 * leader as the cluster now says.
 *
 * Why: @platformatic/kafka 2.12 plans one fetch per broker and, when it fails, retries it ten
 * times (about 14 s) on the broker it was planned for, or on the partitions' new leader if they
 * all moved to one, where it shares that broker's fetch session with the stream's own fetch
 * ("the fetch session epoch is invalid"). Once the retries are spent the stream ends, the member
 * is rebuilt and its group rebalances: the fault suite's controller kill held a payment 17.5 –
 * 19.7 s in three runs of four this way. Here a fetch is tried `FETCH_RETRIES` times and then
 * planned again, so a lost broker costs its election and a fetch, and no member leaves its group.
 * An error that will not pass (a closed client, an offset out of range the stream resolves
 * itself, a refused login) reaches the stream as before.
 */
export function replanFailedFetches(
  consumer: FetchingConsumer,
  performWithRetry: symbol,
  pauseMs = FETCH_REPLAN_AFTER_MS,
): void {
  const target = consumer as unknown as Record<symbol, (...args: unknown[]) => unknown>;
  const retry = target[performWithRetry]!;
  // The fetch's own retries, fewer: (operationId, operation, callback, attempt, errors, skip, limit).
  target[performWithRetry] = function (this: unknown, ...args: unknown[]) {
    if (args[0] === 'fetch' && args[6] === undefined) args[6] = FETCH_RETRIES;
    return retry.apply(this, args);
  };
  const fetch = consumer.fetch.bind(consumer);
  consumer.fetch = (options: unknown, callback: FetchCallback) =>
    fetch(options, (error, response) => {
      if (!error || !passes(error)) return callback(error, response);
      consumer.clearMetadata();
      setTimeout(() => callback(null, NOTHING_FETCHED), pauseMs);
    });
}

// The client's words for a fetch planned for a broker the metadata no longer names (fenced): a
// user error to it, a plan to make again here.
const PLANNED_FOR_A_BROKER_GONE = /^Cannot find broker with node id -?\d+$/;

/**
 * Whether every attempt failed for a reason that may pass: a broker that refused or dropped the
 * connection, a leader that moved, a fetch session out of step, a fetch planned for a broker
 * fenced since; not a closing client (its pool closed, a user error), nor an error the broker
 * says will not pass.
 */
function passes(error: Error): boolean {
  const all = attempts(error);
  return all.every(
    (e) =>
      PLANNED_FOR_A_BROKER_GONE.test(e.message) ||
      (e.canRetry !== false &&
        e.closed !== true &&
        e.code !== 'PLT_KFK_USER' &&
        e.apiId !== 'OFFSET_OUT_OF_RANGE'),
  );
}

/** The client's symbol-keyed method of that description, found on its prototype chain. */
export function internalSymbol(instance: object, description: string): symbol {
  for (let proto = instance; proto; proto = Object.getPrototypeOf(proto) as object)
    for (const symbol of Object.getOwnPropertySymbols(proto))
      if (symbol.description === description) return symbol;
  throw new Error(
    `@platformatic/kafka has no ${description} any more: libs/messaging/src/platformatic/fetch-recovery.ts reaches into it`,
  );
}
