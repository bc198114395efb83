import { findErrorBy } from '@platformatic/kafka';

type RetryCallback = (error: Error | null, result?: unknown) => void;
type Operation = (retryCallback: RetryCallback, attempt: number) => void;

/**
 * A produce that a broker refused because it no longer leads the partition asks for the cluster's
 * metadata before its next attempt.
 *
 * Why: @platformatic/kafka 2.12 asks again only after a network error; after a broker's "not the
 * leader or follower" it retries on the metadata it has, the same broker, ten times (~13 s), and
 * the relay's send fails. In the fault suite a controller kill held a wallet debit's reply 12.5 s
 * that way (the relay lost its send, its session, and its lead). Reaches into the client's retry
 * method, found by name (`internalSymbol`; the unit test fails if an upgrade renames it).
 */
export function refreshMetadataOnStaleProduce(
  producer: { clearMetadata(): void },
  performWithRetry: symbol,
): void {
  const target = producer as unknown as Record<symbol, (...args: unknown[]) => unknown>;
  const retry = target[performWithRetry]!;
  const wrapped = new WeakSet<Operation>();
  // (operationId, operation, callback, attempt, errors, skip, limit): the client calls it again
  // with the same operation for each attempt, wrapped once.
  target[performWithRetry] = function (this: unknown, ...args: unknown[]) {
    const operation = args[1] as Operation;
    if (args[0] === 'produce' && !wrapped.has(operation)) {
      const checked: Operation = (retryCallback, attempt) =>
        operation((error, result) => {
          // The client's own test of a broker saying its metadata is stale (not the leader, no leader).
          if (findErrorBy(error, 'hasStaleMetadata', true)) producer.clearMetadata();
          retryCallback(error, result);
        }, attempt);
      wrapped.add(checked);
      args[1] = checked;
    }
    return retry.apply(this, args);
  };
}
