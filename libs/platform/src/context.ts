import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a log line or an outgoing message needs to know about the work it belongs to.
 * Set once per HTTP request or consumed message; read anywhere below it without threading
 * arguments through every call.
 */
export interface RequestContext {
  requestId?: string;
  /** The payment id for saga traffic, else the request id. */
  correlationId?: string;
  /** Id of the message or request that caused the current work. */
  causationId?: string;
  /** W3C trace context of the current work. */
  traceparent?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext {
  return storage.getStore() ?? {};
}
