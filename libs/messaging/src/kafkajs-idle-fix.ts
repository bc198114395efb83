/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection busy while idle: after each
 * check of its pending-request queue it schedules the next check with `setTimeout(…, negative)`
 * (1 ms) even when nothing is pending, so each connection wakes the process ~1,000 times a
 * second (measured: 2.5 % of a core per idle service). A queue with nothing pending needs no
 * check: a new request schedules one itself. Applied once, at load, to kafkajs 2.2.x only; any
 * other version is left alone (ADR 0009).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsVersion = (require('kafkajs/package.json') as { version: string }).version;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
}

export const kafkajsIdleFixApplied: boolean = (() => {
  if (!kafkajsVersion.startsWith('2.2.')) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RequestQueue = require('kafkajs/src/network/requestQueue') as {
    prototype: RequestQueueInternals;
  };
  const original = RequestQueue.prototype.scheduleCheckPendingRequests;
  if (typeof original !== 'function') return false;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length === 0) return;
    original.call(this);
  };
  return true;
})();
