import { randomUUID } from 'node:crypto';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { runWithContext } from '../context';
import { childTraceparent } from '../trace';
import { buildOpenApi, type OpenApiOperation } from './openapi';
import { notFoundHandler, problemHandler } from './problem';

export type ReadinessCheck = () => Promise<unknown>;

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  metrics: Registry;
  /** Named checks for /health/ready: database, Redis, Kafka... */
  readiness?: Record<string, ReadinessCheck>;
  bodyLimit?: string;
  /** The OpenAPI security schemes, asked each time the document is served (they may be
   * discovered after start, like an identity provider's token endpoint). */
  securitySchemes?: () => Record<string, unknown>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

function requestContext(logger: Logger, duration: Histogram): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route pattern, not the raw path, keeps the metric's cardinality bounded.
      const route =
        (req.route?.path as string | undefined) ??
        (res.statusCode === 404 ? 'unmatched' : req.path);
      duration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      const level = QUIET_PATHS.has(req.path) ? 'debug' : res.statusCode >= 500 ? 'error' : 'info';
      logger[level](
        {
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        'http',
      );
    });
    const traceparent = childTraceparent(req.header('traceparent'));
    runWithContext(
      { requestId, correlationId: requestId, causationId: requestId, traceparent },
      next,
    );
  };
}

/**
 * The express app every service starts from: JSON bodies with a size limit, request ids,
 * access log, Prometheus metrics, health endpoints and /openapi.json. Add routes, then call
 * `finish(operations)` to add the OpenAPI document, the 404 and the problem+json handler.
 */
export function createHttpApp(options: HttpAppOptions): {
  app: Express;
  finish: (ops: OpenApiOperation[]) => Express;
} {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.metrics],
  });
  app.use(requestContext(options.logger, duration));
  app.use(express.json({ limit: options.bodyLimit ?? '16kb', strict: true }));

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
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
    res
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', checks: Object.fromEntries(results) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });

  const finish = (operations: OpenApiOperation[]) => {
    app.get('/openapi.json', (_req, res) => {
      res.json(
        buildOpenApi(
          { title: `${options.service} service`, version: '1.0.0' },
          operations,
          options.securitySchemes?.() ?? {},
        ),
      );
    });
    app.use(notFoundHandler);
    app.use(problemHandler(options.logger));
    return app;
  };
  return { app, finish };
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
