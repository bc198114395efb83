import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Tries `attempt` until it succeeds or `timeoutMs` have passed, `intervalMs` apart: its value,
 * or, once time is up, the last attempt's error (or `onTimeout`'s, given that error). An error
 * `retryOn` refuses ends it at once. The one deadline-and-sleep loop of the project: tests
 * waiting for an effect, tools waiting for a server, a request waiting for another instance, a
 * new topic waiting for its leaders, a consumer waiting for a new topic to subscribe to. (A
 * backoff that grows is `backoffDelay`.)
 */
export async function retryUntil<T>(
  attempt: () => Promise<T> | T,
  options: {
    timeoutMs: number;
    intervalMs: number;
    onTimeout?: (lastError: unknown) => Error;
    retryOn?: (err: unknown) => boolean;
  },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (options.retryOn && !options.retryOn(err)) throw err;
      if (Date.now() >= deadline) throw options.onTimeout ? options.onTimeout(err) : err;
    }
    await sleep(Math.max(0, Math.min(options.intervalMs, deadline - Date.now())));
  }
}

/** What an attempt throws when the condition it polls for does not hold yet. */
export class NotYet extends Error {
  constructor(what = 'not yet') {
    super(what);
    this.name = 'NotYet';
  }
}

/** Polls `holds` until it is true, for at most `timeoutMs`: false if it never was. */
export async function becomesTrue(
  holds: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; intervalMs: number },
): Promise<boolean> {
  return retryUntil(async () => {
    if (!(await holds())) throw new NotYet();
    return true;
  }, options).catch((err: unknown) => {
    if (err instanceof NotYet) return false;
    throw err;
  });
}
