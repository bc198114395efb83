import { AsyncLocalStorage } from 'node:async_hooks';
import { ProxyTracerProvider, context as otel, createContextKey, trace } from '@opentelemetry/api';

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
const KEY = createContextKey('ticketing.request-context');
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** Whether a tracer provider was registered (libs/telemetry started the SDK; ADR 0011). */
export function tracingEnabled(): boolean {
  return (trace.getTracerProvider() as ProxyTracerProvider).getDelegate?.() !== NOOP_PROVIDER;
}

/**
 * With tracing on, the request context rides in OpenTelemetry's context, so one
 * AsyncLocalStorage carries both: a second one costs every asynchronous step of every request
 * (measured: a third of tracing's cost per seat hold). Start a span first, then this inside it.
 */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  if (tracingEnabled()) return otel.with(otel.active().setValue(KEY, context), fn);
  return storage.run(context, fn);
}

export function currentContext(): RequestContext {
  return (otel.active().getValue(KEY) as RequestContext | undefined) ?? storage.getStore() ?? {};
}
