import { randomUUID } from 'node:crypto';
import { redactedUrl } from '@ticketing/contracts';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { Histogram, type Registry } from 'prom-client';
import type { RequestContext } from '../context';
import { childTraceparent, endServerSpan, startServerSpan, type ServerSpan } from '../trace';
import { buildOpenApi, type OpenApiOperation } from './openapi';
import { installProblemHandlers, problemOf, sendProblem } from './problem';

export type ReadinessCheck = () => Promise<unknown>;

/** The services' HTTP application (Fastify, ADR 0009) and what a route handler gets. */
export type HttpApp = FastifyInstance;
export type HttpRequest = FastifyRequest;
export type HttpReply = FastifyReply;

declare module 'fastify' {
  interface FastifyRequest {
    /** Request id, correlation and trace context of this request (logs, outgoing messages). */
    context: RequestContext;
    /** Its span, when tracing is on (ADR 0011). */
    serverSpan?: ServerSpan;
  }
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: Registry;
  /** Named checks for /health/ready: database, Redis, Kafka... */
  readiness?: Record<string, ReadinessCheck>;
  /** Largest accepted body, in bytes (413 beyond). */
  bodyLimit?: number;
  /** The OpenAPI security schemes, asked each time the document is served (they may be
   * discovered after start, like an identity provider's token endpoint). */
  securitySchemes?: () => Record<string, unknown>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** Server settings shared by every service (and the tests' servers). */
export const SERVER_OPTIONS: FastifyServerOptions = {
  // Longer than any load balancer's idle timeout, so it never reuses a socket we just closed.
  keepAliveTimeout: 65_000,
  // Our own access log (below) replaces Fastify's per-request logger.
  logger: false,
  // A request arriving on a kept-alive connection while the server closes is served, with
  // `Connection: close` (the client opens its next connection elsewhere): HTTP stops first, so
  // the database and Kafka are still there for it. A 503 instead would fail a write the client
  // cannot safely repeat (measured by test/e2e/rolling-restart.int.test.ts).
  return503OnClosing: false,
  forceCloseConnections: 'idle',
  // Express-compatible paths: `/queue/tokens/` is `/queue/tokens`.
  routerOptions: { ignoreTrailingSlash: true },
  // Refusals before any route runs (a path that is not valid percent-encoding): problem+json.
  // (A Fastify reply is thenable: sending it is the whole effect, nothing to await.)
  frameworkErrors: (err, _req, reply) => void sendProblem(reply, problemOf(err)),
};

/**
 * The app every service starts from: JSON bodies with a size limit, request ids, access log,
 * Prometheus metrics, health endpoints and /openapi.json. Add routes, then call
 * `finish(operations)` to add the OpenAPI document; every error and unknown path answers
 * problem+json.
 */
export function createHttpApp(options: HttpAppOptions): {
  app: HttpApp;
  finish: (ops: OpenApiOperation[]) => HttpApp;
} {
  const app = Fastify({ ...SERVER_OPTIONS, bodyLimit: options.bodyLimit ?? 16 * 1024 });
  // Headers must arrive before the load balancer gives up on the connection (Node's default).
  app.server.headersTimeout = 66_000;
  installProblemHandlers(app, options.logger);
  acceptEmptyJsonBodies(app);
  app.decorateRequest('context', undefined as unknown as RequestContext);
  app.decorateRequest('serverSpan', undefined);

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.metrics],
  });
  app.addHook('onRequest', (req, reply, done) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    reply.header('X-Request-Id', requestId);
    const header = req.headers.traceparent;
    const parent = typeof header === 'string' ? header : undefined;
    const route = req.routeOptions.url;
    // Probes and scrapes are not traced; with tracing off there is no span, only ids for logs.
    req.serverSpan =
      route && !QUIET_PATHS.has(route) ? startServerSpan(req.method, route, parent) : undefined;
    req.context = {
      requestId,
      correlationId: requestId,
      causationId: requestId,
      traceparent: req.serverSpan?.traceparent ?? childTraceparent(parent),
    };
    done();
  });
  const { logger } = options;
  app.addHook('onResponse', (req, reply, done) => {
    const seconds = reply.elapsedTime / 1000;
    const status = reply.statusCode;
    // The route pattern, not the raw path, keeps the metric's cardinality bounded.
    const route = req.routeOptions.url ?? 'unmatched';
    duration.observe({ method: req.method, route, status: String(status) }, seconds);
    endServerSpan(req.serverSpan, status);
    const level = QUIET_PATHS.has(route) ? 'debug' : status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level))
      logger[level](
        {
          requestId: req.context?.requestId,
          method: req.method,
          path: redactedUrl(req.url),
          status,
          ms: Math.round(seconds * 1000),
        },
        'http',
      );
    done();
  });

  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_req, reply) => {
    const checks = Object.entries(options.readiness ?? {});
    const results = await Promise.all(
      checks.map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (e) {
          return [name, `failing: ${(e as Error).message}`] as const;
        }
      }),
    );
    const ok = results.every(([, r]) => r === 'ok');
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(options.metrics.contentType).send(await options.metrics.metrics()),
  );

  const finish = (operations: OpenApiOperation[]) => {
    app.get('/openapi.json', async () =>
      buildOpenApi(
        { title: `${options.service} service`, version: '1.0.0' },
        operations,
        options.securitySchemes?.() ?? {},
      ),
    );
    return app;
  };
  return { app, finish };
}

/**
 * JSON bodies through Fastify's own parser (it refuses `__proto__` and `constructor` keys), but
 * an empty body with a JSON content type is no body, as many clients send on DELETE.
 */
function acceptEmptyJsonBodies(app: HttpApp): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    void json(req, body as string, done); // answers through `done`
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
