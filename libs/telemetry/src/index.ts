/**
 * OpenTelemetry for one process (ADR 0011). Import and call {@link startTelemetry} before
 * anything else: the instrumentations patch `http`, `pg` and `ioredis` as they are loaded, so a
 * module loaded earlier would go untraced.
 *
 * Tracing is on when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) and not switched off (`OTEL_SDK_DISABLED=true`,
 * `OTEL_TRACES_EXPORTER=none`). Everything else comes from the standard `OTEL_*` variables
 * (protocol, headers, sampler, batch delays, resource attributes). When it is off, the SDK is not
 * even loaded: the process pays nothing but a few no-op calls of `@opentelemetry/api`.
 */
import type * as Sdk from './sdk';
import type { Telemetry, TelemetrySettings } from './settings';

export type { Telemetry, TelemetrySettings };

/** The standard variables a deployment sets for tracing (docs/operations.md); the SDK reads them. */
export const TELEMETRY_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SDK_DISABLED',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_LOG_LEVEL',
];

type SdkModule = typeof Sdk;

const OFF: Telemetry = { enabled: false, shutdown: async () => undefined };

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The configured endpoint's problem, if it is not an http(s) URL (the SDK would only warn). */
export function endpointProblem(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) {
    const value = env[name];
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol))
      return `${name}: expected an http(s) URL of an OTLP receiver, got "${value}"`;
  }
  return undefined;
}

/** EX_CONFIG, as for every other bad variable (libs/platform's runMain). */
const EXIT_CONFIG = 78;

export function startTelemetry(settings: TelemetrySettings): Telemetry {
  const env = settings.env ?? process.env;
  if (!tracingRequested(env)) return OFF;
  const problem = endpointProblem(env);
  if (problem) {
    // Before anything started: exit the way a bad variable exits, naming it.
    process.stderr.write(`${settings.service}: ${problem}\n`);
    process.exit(EXIT_CONFIG);
  }
  // Loaded only when tracing is on: the SDK and its exporters cost start-up time and memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('./sdk') as SdkModule;
  return sdk.startSdk(settings, env);
}
