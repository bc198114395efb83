import type { ServerResponse } from 'node:http';
import { redactedUrl, type ProblemCode } from '@ticketing/contracts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { AppError, isAppError, isTransientInfraError } from '../errors';
import { activeTraceId, failSpan, traceIdOf, traceLogFields } from '../trace';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** `traceId`: on a 5xx, the trace to look up (the failure is ours; the caller quotes it). */
export function problemBody(error: AppError, traceId?: string) {
  return {
    type: `https://ticketing.example/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: error.message,
    ...error.extras,
    ...(traceId && error.status >= 500 && { traceId }),
  };
}

/**
 * Translate the framework's own refusals into the contract's codes: a body that is not JSON,
 * too large or of a type nobody reads, and a path that is not valid percent-encoding.
 */
function fromFrameworkError(err: unknown): AppError | undefined {
  const { code, statusCode } = (err ?? {}) as { code?: string; statusCode?: number };
  switch (code ?? '') {
    case 'FST_ERR_BAD_URL':
      return AppError.validation('path: malformed percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return AppError.validation('path: a segment is too long');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError({ code: 'PAYLOAD_TOO_LARGE', detail: 'body: too large' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        detail: 'body: send application/json',
      });
  }
  // Fastify's JSON parser: malformed JSON, or a key that could poison a prototype.
  if (err instanceof SyntaxError || (statusCode === 400 && code?.startsWith('FST_ERR_CTP')))
    return AppError.validation('body: malformed JSON');
  // Any other refusal of the framework is the request's fault, never a 5xx.
  if (code?.startsWith('FST_ERR') && statusCode && statusCode >= 400 && statusCode < 500)
    return AppError.validation('the request is malformed');
  return undefined;
}

/** The problem an error becomes: the contract's own, the framework's refusals, 503 or 500. */
export function problemOf(err: unknown): AppError {
  return (
    (isAppError(err) ? err : fromFrameworkError(err)) ??
    (isTransientInfraError(err)
      ? AppError.unavailable('a dependency is unavailable, try again')
      : new AppError({ code: 'INTERNAL', detail: 'unexpected error' }))
  );
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.status === 503) void reply.header('Retry-After', '1');
  const traceId = traceIdOf(reply.request.context?.traceparent);
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(error, traceId)));
}

/**
 * The same problem+json on a bare Node response, for what answers without Fastify (the
 * gateway's own refusals). After the headers went out, only closing the connection is left.
 */
export function writeProblem(
  res: ServerResponse,
  code: ProblemCode,
  detail: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return void res.destroy();
  const problem = new AppError({ code, detail });
  const body = JSON.stringify(problemBody(problem, activeTraceId()));
  res.writeHead(problem.status, {
    ...headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** RFC 9457 problem details for every error and unknown path; never a stack trace on the wire. */
export function installProblemHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((err, req, reply) => {
    const error = problemOf(err);
    if (error.status >= 500) {
      // Outside the request's async context here: name its trace and span explicitly.
      logger.error(
        {
          err,
          requestId: req.context?.requestId,
          path: redactedUrl(req.url),
          ...traceLogFields(req.context?.traceparent),
        },
        'request failed',
      );
      failSpan(req.serverSpan?.span, err);
    }
    if (reply.raw.headersSent) return void reply.raw.end();
    return sendProblem(reply, error);
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, AppError.notFound(`no route for ${req.method} ${req.url.split('?', 1)[0]}`)),
  );
}
