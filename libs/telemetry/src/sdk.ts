import { hostname } from 'node:os';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { CREDENTIAL_QUERY_PARAMS } from '@ticketing/contracts';
import type { Telemetry, TelemetrySettings } from './settings';

/** Probes and scrapes: thousands of spans a day that say nothing about a fan's request. */
// The instrumentation's own list (replaced, not extended, when one is given).
const OTEL_REDACTED_DEFAULTS = [
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

export function startSdk(settings: TelemetrySettings, env: NodeJS.ProcessEnv): Telemetry {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || settings.service,
    // Instances of one service differ by host (a pod) and by INSTANCE_ID (npm start runs several
    // on one host); OTEL_RESOURCE_ATTRIBUTES can still say otherwise.
    resource: resourceFromAttributes({
      'service.instance.id': `${hostname()}#${env.INSTANCE_ID ?? process.pid}`,
    }),
    // Traces only: metrics stay with Prometheus (/metrics), logs with stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: settings.frameworkServerSpans === true,
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.test(req.url ?? ''),
        // Outgoing calls made outside any request (key set refreshes, readiness probes of the
        // gateway) would each start a trace of their own.
        requireParentforOutgoingSpans: true,
        // A stream ticket in a URL is a credential (ADR 0026): spans keep REDACTED instead.
        redactedQueryParamsServer: [...CREDENTIAL_QUERY_PARAMS, ...OTEL_REDACTED_DEFAULTS],
        redactedQueryParams: [...CREDENTIAL_QUERY_PARAMS, ...OTEL_REDACTED_DEFAULTS],
        ignoreOutgoingRequestHook: (req: RequestOptions) => UNTRACED_PATHS.test(req.path ?? ''),
      }),
      // Background work (relay polling, sweepers, the seat projection's listener) runs outside
      // any span; with a parent required it adds no trace of its own.
      new PgInstrumentation({
        requireParentSpan: true,
        // Statements run as named prepared statements (DB_PREPARED_STATEMENTS), whose names are
        // hashes: name the span after what the statement does instead.
        requestHook: (span, { query }) => span.updateName(statementSummary(query.text)),
      }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}

const MAIN_VERB = /\)\s*(select|insert|update|delete)\b/gi;
const TARGET = /\b(?:from|into|update)\s+("?[\w.]+"?)/i;

/**
 * `insert outbox`, `update payments`, `begin`: the verb and the table of a statement (of its main
 * part, after any `with …` clauses), as OpenTelemetry names database spans.
 */
export function statementSummary(sql: string): string {
  let rest = sql.trimStart();
  let verb = /^\w+/.exec(rest)?.[0]?.toLowerCase() ?? 'query';
  if (verb === 'with') {
    const main = [...rest.matchAll(MAIN_VERB)].at(-1);
    if (main) {
      verb = main[1]!.toLowerCase();
      rest = rest.slice(main.index + main[0].length - main[1]!.length);
    }
  }
  const table = TARGET.exec(rest)?.[1];
  return table ? `${verb} ${table.replace(/"/g, '')}` : verb;
}
