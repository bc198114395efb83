/**
 * kafkajs 2.2.4 (its last release) keeps every broker connection busy while idle (most of an idle
 * service's CPU, ADR 0009):
 * - after each check of its pending-request queue it schedules the next one with
 *   `setTimeout(…, negative)` (1 ms) even when nothing is pending: ~1,000 wake-ups a second per
 *   connection. A queue with nothing pending needs no check; a new request schedules one itself.
 * - it looks for timed-out requests every 100 ms per connection, requests in flight or not. Once
 *   a second is enough for a request timeout of 10 s (`createKafka`), and only while a request
 *   is in flight: an idle producer's or admin's connection then has no timer at all.
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
  /** Ours: the connection is up, so requests sent on it are watched for their timeout. */
  watchTimeouts?: boolean;
  inflight: Map<number, InflightRequest>;
  enforceRequestTimeout: boolean;
  requestTimeout: number;
  requestTimeoutIntervalId?: NodeJS.Timeout;
  scheduleCheckPendingRequests(): void;
  scheduleRequestTimeoutCheck(): void;
  sendSocketRequest(request: unknown): void;
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
  // As kafkajs 2.2.4 does it, at a period of a second instead of 100 ms, while requests are in
  // flight: the check stops itself when none is, and the next request sent starts it again.
  const watch = (queue: RequestQueueInternals) => {
    if (!queue.watchTimeouts || queue.requestTimeoutIntervalId) return;
    queue.requestTimeoutIntervalId = setInterval(
      () => {
        queue.inflight.forEach((request) => {
          if (Date.now() - request.sentAt > request.requestTimeout) request.timeoutRequest();
        });
        if (!queue.isConnected()) queue.destroy();
        else if (queue.inflight.size === 0 && queue.pending.length === 0) {
          clearInterval(queue.requestTimeoutIntervalId);
          queue.requestTimeoutIntervalId = undefined;
        }
      },
      Math.min(queue.requestTimeout, TIMEOUT_CHECK_MS),
    );
  };
  prototype.scheduleRequestTimeoutCheck = function (this: RequestQueueInternals) {
    if (!this.enforceRequestTimeout) return;
    this.destroy();
    this.watchTimeouts = true; // requests sent from now on are watched
  };
  const send = prototype.sendSocketRequest;
  prototype.sendSocketRequest = function (this: RequestQueueInternals, request: unknown) {
    send.call(this, request);
    watch(this);
  };
  const destroy = prototype.destroy;
  prototype.destroy = function (this: RequestQueueInternals) {
    destroy.call(this);
    this.requestTimeoutIntervalId = undefined;
    this.watchTimeouts = false;
  };
  return true;
})();
