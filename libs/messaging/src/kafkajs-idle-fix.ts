/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection busy while idle (measured: 2.5 %
 * of a core per idle service, most of it these two):
 * - after each check of its pending-request queue it schedules the next one with
 *   `setTimeout(…, negative)` (1 ms) even when nothing is pending: ~1,000 wake-ups a second per
 *   connection. A queue with nothing pending needs no check; a new request schedules one itself.
 * - it looks for timed-out requests every 100 ms per connection, requests in flight or not. Once
 *   a second is enough for a request timeout of 10 s (`createKafka`).
 * Applied once, at load, to kafkajs 2.2.4 only: another version is left as it is (ADR 0009).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const kafkajsVersion = (require('kafkajs/package.json') as { version: string }).version;

interface InflightRequest {
  sentAt: number;
  requestTimeout: number;
  timeoutRequest(): void;
}

interface RequestQueueInternals {
  pending: unknown[];
  inflight: Map<number, InflightRequest>;
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId?: NodeJS.Timeout;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  isConnected(): boolean;
  destroy(): void;
}

const TIMEOUT_CHECK_MS = 1000;

export const kafkajsIdleFixApplied: boolean = (() => {
  if (kafkajsVersion !== '2.2.4') return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prototype } = require('kafkajs/src/network/requestQueue') as {
    prototype: RequestQueueInternals;
  };
  const schedulePendingCheck = prototype.scheduleCheckPendingRequests;
  prototype.scheduleCheckPendingRequests = function (this: RequestQueueInternals) {
    if (this.pending.length > 0) schedulePendingCheck.call(this);
  };
  // As kafkajs 2.2.4 does it, at a period of a second instead of 100 ms.
  prototype.scheduleRequestTimeoutCheck = function (this: RequestQueueInternals) {
    if (!this.enforceRequestTimeout) return;
    this.destroy();
    this.requestTimeoutIntervalId = setInterval(
      () => {
        this.inflight.forEach((request) => {
          if (Date.now() - request.sentAt > request.requestTimeout) request.timeoutRequest();
        });
        if (!this.isConnected()) this.destroy();
      },
      Math.min(this.requestTimeout, TIMEOUT_CHECK_MS),
    );
  };
  return true;
})();
