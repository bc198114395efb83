import { startTelemetry } from '@ticketing/telemetry';

/**
 * Tracing for this process (ADR 0011). `main.ts` imports this module first: the
 * instrumentations patch `http`, `pg` and `ioredis` as they are loaded, not afterwards.
 */
export const telemetry = startTelemetry({ frameworkServerSpans: true, service: 'reservation' });
