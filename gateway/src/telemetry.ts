import { startTelemetry } from '@ticketing/telemetry';

/**
 * Tracing for the gateway (ADR 0011): its server span is the root of a fan's request, and the
 * HTTP instrumentation passes the context to the service it forwards to. `main.ts` imports this
 * module first: the instrumentations patch modules as they are loaded.
 */
export const telemetry = startTelemetry({ service: 'gateway' });
