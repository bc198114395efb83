import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  StopList,
  createLogger,
  createMetricsRegistry,
  listenRaw,
  nameActiveSpan,
  writeProblem,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { IdentityVerifier, PassVerifier, connectRedis } from '@ticketing/auth';
import { Counter, Histogram } from 'prom-client';
import type { GatewayConfig } from './config';
import { DOCS_PAGE, sendAsset } from './docs';
import { EVENTS_DOCS_PATH, EVENTS_PAGE, sendEventsFile } from './events-docs';
import { DOCS_TOKEN_PATH, DocsTokenProxy, withDocsTokenUrl } from './docs-auth';
import { ClientIdentifier } from './clients';
import { TrustedProxies } from './trusted-proxies';
import { checkHealth } from './health';
import { ReverseProxy } from './proxy';
import { RateLimiter } from './rate-limit';
import { SERVICE_NAMES, isEventStream, serviceFor, type ServiceName } from './routes';
import { UpstreamPool } from './upstream-pool';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
// A client at its cap of open streams tries again after this (or polls meanwhile).
const STREAM_RETRY_SECONDS = 5;

export type GatewayHandle = ServiceHandle & { pools: Record<ServiceName, UpstreamPool> };

/** Runs the gateway on GATEWAY_PORT; the handle stops it (HTTP first, then upstream sockets). */
export async function start(
  config: GatewayConfig,
  deps: { logger?: Logger } = {},
): Promise<GatewayHandle> {
  const logger =
    deps.logger ??
    createLogger({ service: 'gateway', instance: config.INSTANCE_ID, level: config.LOG_LEVEL });
  const stops = new StopList(logger);
  const pools = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, new UpstreamPool(config.upstreams[s])]),
  ) as Record<ServiceName, UpstreamPool>;
  const trustedProxies = new TrustedProxies(config.GATEWAY_TRUSTED_PROXIES);
  const proxy = new ReverseProxy(pools, {
    timeoutMs: config.GATEWAY_UPSTREAM_TIMEOUT_MS,
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    logger,
    trustedProxies,
  });
  stops.add('upstream connections', async () => proxy.close());
  const docsTokens = new DocsTokenProxy(config.OIDC_ISSUER_URL.replace(/\/+$/, ''));
  const metrics = createMetricsRegistry('gateway');
  let limiter: RateLimiter | undefined;
  if (config.GATEWAY_RATE_LIMIT) {
    const redis = connectRedis(config.REDIS_URL, {
      keyPrefix: config.REDIS_KEY_PREFIX,
      maxRetriesPerRequest: 1,
      login: config,
    });
    redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
    stops.add('redis', () => redis.quit());
    // Budgets follow verified identities only: the gateway checks the tokens' signatures.
    const identity = new IdentityVerifier(config, logger, metrics).start();
    stops.add('identity verifier', async () => identity.stop());
    const clients = new ClientIdentifier(
      { identity, passes: new PassVerifier(config.QUEUE_PASS_PUBLIC_KEYS) },
      trustedProxies,
    );
    limiter = new RateLimiter(
      redis,
      {
        poll: { perSecond: config.GATEWAY_POLL_PER_SECOND, burst: config.GATEWAY_POLL_BURST },
        write: { perSecond: config.GATEWAY_WRITE_PER_SECOND, burst: config.GATEWAY_WRITE_BURST },
      },
      clients,
      { logger, metrics, streamsPerClient: config.GATEWAY_STREAMS_PER_CLIENT },
    );
    await limiter.start();
    const started = limiter;
    stops.add('rate limiter', async () => started.stop());
  }
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'Requests through the gateway by service and status',
    labelNames: ['service', 'status'],
    registers: [metrics],
  });
  const duration = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Time to the response headers, by service',
    labelNames: ['service'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics],
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const service = serviceFor(path);
    if (service) {
      nameActiveSpan(`${req.method} ${service}`, { 'ticketing.service': service });
      const wait = await limiter?.check(req, path);
      if (wait !== undefined) {
        requests.inc({ service, status: '429' });
        return rateLimited(res, wait);
      }
      if (limiter && isEventStream(path)) {
        const slot = await limiter.streamSlot(req);
        if (!slot) {
          requests.inc({ service, status: '429' });
          return writeProblem(
            res,
            'RATE_LIMITED',
            `this client already holds ${config.GATEWAY_STREAMS_PER_CLIENT} open event streams; close one or poll`,
            { 'retry-after': String(STREAM_RETRY_SECONDS) },
          );
        }
        res.once('close', slot);
      }
      const end = duration.startTimer({ service });
      res.once('close', () => requests.inc({ service, status: String(res.statusCode) }));
      await proxy.forward(req, res, service, requestId);
      end();
      return;
    }
    if (path === DOCS_TOKEN_PATH) {
      // The provider behind it is spared a flood too: a token request is a write.
      const wait = await limiter?.check(req, path);
      if (wait !== undefined) return rateLimited(res, wait);
      return docsTokens.handle(req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return writeProblem(res, 'NOT_FOUND', `no route for ${req.method} ${path}`);
    }
    if (path === '/health' || path === '/health/ready') {
      const health = await checkHealth(pools);
      return sendJson(res, health.status === 'down' ? 503 : 200, health);
    }
    if (path === '/health/live') return sendJson(res, 200, { status: 'ok' });
    if (path === '/metrics') {
      const text = await metrics.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType });
      return void res.end(text);
    }
    if (path === '/docs' || path === '/docs/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(DOCS_PAGE);
    }
    if (path === EVENTS_DOCS_PATH || path === `${EVENTS_DOCS_PATH}/`) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(EVENTS_PAGE);
    }
    if (
      path.startsWith(`${EVENTS_DOCS_PATH}/`) &&
      (await sendEventsFile(res, path.slice(EVENTS_DOCS_PATH.length + 1)))
    )
      return;
    const doc = /^\/docs\/openapi\/([a-z]+)\.json$/.exec(path);
    if (doc && (SERVICE_NAMES as readonly string[]).includes(doc[1]!)) {
      const document = await serviceDocument(pools[doc[1] as ServiceName]);
      if (!document)
        return writeProblem(res, 'UPSTREAM_UNAVAILABLE', `no ${doc[1]} instance answered`);
      return sendJson(res, 200, withDocsTokenUrl(document));
    }
    if (path.startsWith('/docs/') && (await sendAsset(res, path.slice('/docs/'.length)))) return;
    writeProblem(res, 'NOT_FOUND', `no route for GET ${path}`);
  }

  const server = await listenRaw((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err }, 'gateway request failed');
      writeProblem(res, 'INTERNAL', 'the gateway failed to handle the request');
    });
  }, config.GATEWAY_PORT);
  stops.add('http', () => server.close());
  logger.info(
    { port: server.port, upstreams: config.upstreams },
    `gateway listening on http://localhost:${server.port} (docs at /docs)`,
  );
  return { url: server.url, port: server.port, logger, pools, stop: () => stops.stopAll() };
}

function rateLimited(res: ServerResponse, waitSeconds: number): void {
  writeProblem(
    res,
    'RATE_LIMITED',
    `too many requests from this client; try again in ${waitSeconds} s`,
    { 'retry-after': String(waitSeconds) },
  );
}

/** A service's OpenAPI document, from the first instance that answers. */
async function serviceDocument(pool: UpstreamPool): Promise<unknown> {
  for (const url of pool.order()) {
    try {
      const res = await fetch(`${url}/openapi.json`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return await res.json();
    } catch {
      pool.markDown(url);
    }
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
