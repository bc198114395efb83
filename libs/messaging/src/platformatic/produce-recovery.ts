import { setTimeout as sleep } from 'node:timers/promises';
import { findErrorBy } from '@platformatic/kafka';
import { backoffDelay } from '@ticketing/platform';
import { retryBackoff, retryBudgetMs } from '../client-settings';

type RetryCallback = (error: Error | null, result?: unknown) => void;
type Operation = (retryCallback: RetryCallback, attempt: number) => void;
type SkipRetry = (error: Error) => boolean;

/** The client's own test of a broker saying its metadata is stale (not the leader, no leader). */
const staleMetadata = (error: unknown): boolean =>
  error instanceof Error && Boolean(findErrorBy(error, 'hasStaleMetadata', true));

/*
 * Why both functions: @platformatic/kafka 2.12 groups a send's messages once, by the broker that
 * leads each one's partition, and retries each group on the broker that now leads the first of
 * its partitions. When a broker dies and its partitions move to two different brokers, one group
 * holds partitions of both: every attempt is refused for some of them ("not the leader"), through
 * all its retries (13 s), and the relay's send fails. In the fault suite that held payments 18 –
 * 20 s after a controller kill, until another relay sent the rows again, grouped afresh.
 */

/**
 * A produce attempt that a broker refused because it no longer leads the partition drops the
 * cluster's metadata and ends the client's retries of that grouping at once (the client still
 * tries the group once more itself, on the new metadata: enough when its partitions all moved to
 * one broker); `sendAfresh` then sends the whole batch again. Reaches into the client's retry
 * method, found by name (`internalSymbol`; the unit test fails if an upgrade renames it).
 */
export function endStaleProduceAttempts(
  producer: { clearMetadata(): void },
  performWithRetry: symbol,
): void {
  const target = producer as unknown as Record<symbol, (...args: unknown[]) => unknown>;
  const retry = target[performWithRetry]!;
  const wrapped = new WeakSet<Operation>();
  // (operationId, operation, callback, attempt, errors, shouldSkipRetry, retryLimit): the client
  // calls it again with the same operation for each attempt, wrapped once.
  target[performWithRetry] = function (this: unknown, ...args: unknown[]) {
    const operation = args[1] as Operation;
    if (args[0] === 'produce' && !wrapped.has(operation)) {
      const checked: Operation = (retryCallback, attempt) =>
        operation((error, result) => {
          if (staleMetadata(error)) producer.clearMetadata();
          retryCallback(error, result);
        }, attempt);
      wrapped.add(checked);
      args[1] = checked;
      const skip = args[5] as SkipRetry | undefined;
      args[5] = (error: Error) => staleMetadata(error) || (skip?.(error) ?? false);
    }
    return retry.apply(this, args);
  };
}

/**
 * Sends, and sends the whole batch again, grouped afresh by the cluster's metadata, while a
 * broker refuses it as no longer leading a partition, with the clients' backoff, within their
 * retry budget. Messages of groups that were written before the refusal go again: the relay's
 * at-least-once, which the consumers' inboxes absorb (as when a relay's send fails and another
 * relay sends its rows).
 */
export async function sendAfresh<T>(
  producer: { clearMetadata(): void },
  send: () => Promise<T>,
  budgetMs: number = retryBudgetMs(),
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!staleMetadata(error) || Date.now() >= deadline) throw error;
      producer.clearMetadata();
      await sleep(backoffDelay(attempt, retryBackoff()));
    }
  }
}
