import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, isAppError, isTransientInfraError } from '../errors';

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

export function problemBody(error: AppError) {
  return {
    type: `https://ticketing.example/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: error.message,
    ...error.extras,
  };
}

/**
 * Translate the framework's own refusals into the contract's codes: body-parser's (malformed
 * JSON, too large) and the router's (a path segment that is not valid percent-encoding).
 */
function fromParserError(err: unknown): AppError | undefined {
  if (err instanceof URIError) return AppError.validation('path: malformed percent-encoding');
  const type = (err as { type?: unknown })?.type;
  if (type === 'entity.parse.failed') return AppError.validation('body: malformed JSON');
  if (type === 'entity.too.large') {
    return new AppError({ code: 'PAYLOAD_TOO_LARGE', status: 413, detail: 'body: too large' });
  }
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new AppError({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      status: 415,
      detail: 'body: unsupported encoding',
    });
  }
  return undefined;
}

/** RFC 9457 problem details for every error; never a stack trace on the wire. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = isAppError(err) ? err : fromParserError(err);
    const error =
      known ??
      (isTransientUnavailable(err)
        ? AppError.unavailable('a dependency is unavailable, try again')
        : new AppError({ code: 'INTERNAL', status: 500, detail: 'unexpected error' }));
    if (error.status >= 500) logger.error({ err, path: req.path }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    if (error.status === 503) res.setHeader('Retry-After', '1');
    res
      .status(error.status)
      .type('application/problem+json')
      .send(JSON.stringify(problemBody(error)));
  };
}

function isTransientUnavailable(err: unknown): boolean {
  return isTransientInfraError(err);
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(AppError.notFound(`no route for ${req.method} ${req.path}`));
};
