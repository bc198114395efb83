import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeProblem } from '@ticketing/platform';
import { z } from 'zod';

/** What a page may send: the credentials travel as bearer tokens, never as cookies. */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'idempotency-key',
  'prefer',
  'if-none-match',
  'if-match',
  'last-event-id',
  'x-request-id',
].join(', ');
/** What a page may read beyond the safelisted headers: pacing, caching, where a thing was made. */
export const EXPOSED_HEADERS = [
  'retry-after',
  'etag',
  'location',
  'ratelimit',
  'ratelimit-policy',
  'preference-applied',
  'x-request-id',
].join(', ');

/** `scheme://host[:port]` exactly as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * GATEWAY_CORS_ORIGINS: the web origins whose pages may call the API, comma-separated
 * (`https://fans.example.com,http://localhost:5173`); empty: none (same-origin pages only).
 * `*` is refused: an operator names the apps it serves.
 */
export const corsOriginsEnv = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine(
        (origins) => origins.every(isOrigin),
        'must be a comma-separated list of origins (scheme://host[:port], no path, no trailing slash, no *)',
      ),
  );

/**
 * The gateway's CORS policy: pages of the listed origins may read every answer (errors and 429s
 * included, so an app can pace itself on Retry-After and RateLimit), and their preflights are
 * answered here, cached by the browser for `maxAgeSeconds`, never forwarded to a service. Any
 * other origin gets no Access-Control header at all: its page cannot read an answer, and its
 * preflight is refused, so a request that needs one (any with a bearer token) is never sent.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;

  constructor(
    origins: readonly string[],
    private readonly maxAgeSeconds: number,
  ) {
    this.origins = new Set(origins);
  }

  get enabled(): boolean {
    return this.origins.size > 0;
  }

  /** Sets the headers the request's origin is owed; true when the request was answered here (a preflight). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.enabled) return false;
    // Answers differ by Origin: a shared cache must keep them apart.
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const allowed = origin !== undefined && this.origins.has(origin);
    const preflight =
      req.method === 'OPTIONS' &&
      origin !== undefined &&
      req.headers['access-control-request-method'];
    if (preflight) {
      res.setHeader(
        'vary',
        'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      );
      if (!allowed) {
        writeProblem(res, 'FORBIDDEN', `origin ${origin} is not one of GATEWAY_CORS_ORIGINS`);
        return true;
      }
      res.writeHead(204, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOWED_METHODS,
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': String(this.maxAgeSeconds),
      });
      res.end();
      return true;
    }
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    return false;
  }
}
