import { retryUntil } from '@ticketing/platform';

/**
 * Polls `check` until it stops throwing (or returns a value) or the deadline passes; the last
 * failure is rethrown. The only way tests here wait for asynchronous effects: no sleeps.
 */
export function eventually<T>(
  check: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  return retryUntil(check, {
    timeoutMs: options.timeoutMs ?? 15_000,
    intervalMs: options.intervalMs ?? 50,
  });
}
