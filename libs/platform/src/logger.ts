import pino, { type Logger, type LoggerOptions } from 'pino';
import { currentContext } from './context';
import { traceLogFields } from './trace';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  instance?: string;
  level?: string;
  /** Pretty single-line output for humans; JSON otherwise. Default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Where to write (tests capture logs here). Default: stdout. */
  destination?: pino.DestinationStream;
}

/**
 * One logger per process. Every line carries the service and instance, and the request id,
 * correlation id and trace id of the work in progress (from AsyncLocalStorage).
 */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, instance: settings.instance ?? String(process.pid) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin() {
      const ctx = currentContext();
      return {
        ...(ctx.requestId && { requestId: ctx.requestId }),
        ...(ctx.correlationId && { correlationId: ctx.correlationId }),
        // The OpenTelemetry names, so a log backend links a line to its trace.
        ...traceLogFields(ctx.traceparent),
      };
    },
    redact: { paths: ['req.headers.authorization', '*.token', 'token'], censor: '[redacted]' },
  };
  if (settings.destination) return pino(options, settings.destination);
  const pretty =
    settings.pretty ?? (process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json');
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: {
          singleLine: true,
          translateTime: 'HH:MM:ss.l',
          ignore: 'pid,hostname,service,instance',
          messageFormat: '[{service}#{instance}] {msg}',
        },
      },
    });
  }
  return pino(options);
}
