/**
 * OpenTelemetry for one process (ADR 0012). Import and call {@link startTelemetry} before
 * anything else: the instrumentations patch `http`, `pg` and `ioredis` as they are loaded, so a
 * module loaded earlier would go untraced.
 *
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and not switched off (`OTEL_SDK_DISABLED=true`,
 * `OTEL_TRACES_EXPORTER=none`). Everything else comes from the standard `OTEL_*` variables
 * (protocol, headers, sampler, batch delays, resource attributes). When it is off, the SDK is not
 * even loaded: the process pays nothing but a few no-op calls of `@opentelemetry/api`.
 */
export interface TelemetrySettings {
  /** `service.name`, unless `OTEL_SERVICE_NAME` says otherwise. */
  service: string;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Exports the spans still buffered; call it last, after the service stopped. */
  shutdown(): Promise<void>;
}

const OFF: Telemetry = { enabled: false, shutdown: async () => undefined };

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export function startTelemetry(settings: TelemetrySettings): Telemetry {
  const env = settings.env ?? process.env;
  if (!tracingRequested(env)) return OFF;
  // Loaded only when tracing is on: the SDK and its exporters cost start-up time and memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./sdk') as typeof import('./sdk');
  return sdk.startSdk(settings.service, env);
}
