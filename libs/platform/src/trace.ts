import { randomFillSync } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { currentContext, tracingEnabled } from './context';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Ids drawn from a pool refilled 4 KiB at a time: a call to the system's random source per
// request cost more than the rest of the request's id work (ADR 0009).
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += bytes;
  return pool.toString('hex', used - bytes, used);
}

/** A child span of `parent` (same trace id), or a new trace when there is no valid parent. */
export function childTraceparent(parent?: string): string {
  const match = parent ? TRACEPARENT.exec(parent) : null;
  const traceId = match?.[1] ?? randomHex(16);
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}

export function traceIdOf(traceparent?: string): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** The trace id of the work in progress (a request, a consumed message). */
export function currentTraceId(): string | undefined {
  return traceIdOf(currentContext().traceparent);
}

/** A log line's `trace_id` and `span_id` (OpenTelemetry's names), from one traceparent. */
export function traceLogFields(traceparent?: string): { trace_id?: string; span_id?: string } {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  return match ? { trace_id: match[1]!, span_id: match[2]! } : {};
}

// --- OpenTelemetry (ADR 0011) -------------------------------------------------------------------
// The process starts the SDK (libs/telemetry) only when an OTLP endpoint is configured; until then
// the API's global provider is its no-op one, and the helpers below fall back to the hand-made
// ids above so log lines and messages still carry a trace id per request.

const tracer = trace.getTracer('@ticketing/platform');

function traceparentOf(span: Span): string | undefined {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags === TraceFlags.SAMPLED ? '01' : '00'}`;
}

function contextOf(traceparent: string | undefined): Context {
  const match = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!match) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  });
}

/** Names the active span after the route that serves it (the HTTP span is named by method only). */
export function nameActiveSpan(name: string, attributes: Attributes): void {
  if (!tracingEnabled()) return;
  const span = trace.getActiveSpan();
  span?.updateName(name);
  span?.setAttributes(attributes);
}

export interface SpanSettings {
  kind: SpanKind;
  attributes?: Attributes;
  /** The remote parent (a message's `traceparent` header); without it, a new trace. */
  parent?: string;
}

/** A span, the context it is active in, and its traceparent for the request context. */
export interface OpenSpan {
  span: Span;
  context: Context;
  traceparent: string;
}

/** Starts a span under `settings.parent` (undefined while tracing is off). */
function openSpan(name: string, settings: SpanSettings): OpenSpan | undefined {
  if (!tracingEnabled()) return undefined;
  const parent = contextOf(settings.parent);
  const span = tracer.startSpan(
    name,
    { kind: settings.kind, ...(settings.attributes && { attributes: settings.attributes }) },
    parent,
  );
  return {
    span,
    context: trace.setSpan(parent, span),
    traceparent: traceparentOf(span) ?? childTraceparent(settings.parent),
  };
}

/**
 * Runs `work` in a span of its own (a consumed message), given its traceparent for the request
 * context. The span ends when `work` settles, with an error status if it threw. Without tracing,
 * `work` runs with a hand-made child id of `parent`.
 */
export async function inSpan<T>(
  name: string,
  settings: SpanSettings,
  work: (traceparent: string) => Promise<T>,
): Promise<T> {
  const open = openSpan(name, settings);
  if (!open) return work(childTraceparent(settings.parent));
  try {
    return await context.with(open.context, () => work(open.traceparent));
  } catch (err) {
    failSpan(open.span, err);
    throw err;
  } finally {
    open.span.end();
  }
}

/** Starts a span without making it active (ended by the caller): one per published message. */
export function startSpan(name: string, settings: SpanSettings): Span | undefined {
  return openSpan(name, settings)?.span;
}

export function failSpan(span: Span | undefined, err: unknown): void {
  if (!span) return;
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
}

/** The trace id of the active span, when tracing is on. */
export function activeTraceId(): string | undefined {
  if (!tracingEnabled()) return undefined;
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/** Records an unexpected error on the active span (a request that ends in a 5xx). */
export function markActiveSpanFailed(err: unknown): void {
  if (tracingEnabled()) failSpan(trace.getActiveSpan(), err);
}

/**
 * A request's server span, made by the HTTP framework (libs/platform's Fastify app) rather than
 * the HTTP instrumentation, whose per-request work (attributes from every header, rebinding the
 * request's and response's event emitters) cost more than the request it traced, sampled or not
 * (ADR 0011). Here a request that is not sampled costs one no-op span.
 */
export type ServerSpan = OpenSpan;

export function startServerSpan(
  method: string,
  route: string,
  parent: string | undefined,
): ServerSpan | undefined {
  return openSpan(`${method} ${route}`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': method, 'http.route': route },
    parent,
  });
}

/** Runs `work` with the request's span active (its SQL, Redis calls and messages are children). */
export function withServerSpan<T>(server: ServerSpan | undefined, work: () => T): T {
  return server ? context.with(server.context, work) : work();
}

export function endServerSpan(server: ServerSpan | undefined, status: number): void {
  if (!server) return;
  server.span.setAttribute('http.response.status_code', status);
  if (status >= 500) server.span.setStatus({ code: SpanStatusCode.ERROR });
  server.span.end();
}

export { SpanKind, type Span } from '@opentelemetry/api';
