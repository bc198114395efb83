import { writeProblem, type Logger, type ServiceHandle } from '@ticketing/platform';
import {
  StopList,
  createLogger,
  createMetricsRegistry,
  listenRaw,
  connectRedis,
} from '@ticketing/platform/process';
import { IdentityVerifier } from '@ticketing/auth';
import { PassVerifier, STREAM_TICKET_ISSUER } from '@ticketing/queue-pass';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config';
import { CorsPolicy } from './cors';
import { DocsTokenProxy } from './docs-auth';
import { FanApp } from './fan-app';
import { ClientIdentifier } from './clients';
import { gatewayMetrics } from './metrics';
import { TrustedProxies } from './trusted-proxies';
import { ReverseProxy } from './proxy';
import { RateLimiter } from './rate-limit';
import { GatewayRouter } from './router';
import { SERVICE_NAMES, type ServiceName } from './routes';
import { UpstreamPool } from './upstream-pool';

export type GatewayHandle = ServiceHandle & { pools: Record<ServiceName, UpstreamPool> };

/** Wires the gateway and runs it on GATEWAY_PORT; the handle stops it (HTTP first, then upstream sockets). */
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
    holdMs: config.GATEWAY_UPSTREAM_HOLD_MS,
    maxBodyBytes: config.GATEWAY_MAX_BODY_BYTES,
    logger,
    trustedProxies,
  });
  stops.add('upstream connections', async () => proxy.close());
  const registry = createMetricsRegistry('gateway');
  const limiter = config.GATEWAY_RATE_LIMIT
    ? await startRateLimiter(config, { logger, registry, stops, trustedProxies })
    : undefined;
  const router = new GatewayRouter({
    pools,
    proxy,
    docsTokens: new DocsTokenProxy(config.OIDC_ISSUER_URL.replace(/\/+$/, '')),
    metrics: gatewayMetrics(registry),
    registry,
    limiter,
    streamsPerClient: config.GATEWAY_STREAMS_PER_CLIENT,
    cors: new CorsPolicy(config.GATEWAY_CORS_ORIGINS, config.GATEWAY_CORS_MAX_AGE_SECONDS),
    fanApp: config.fanAppDir ? new FanApp(config.fanAppDir, config.fanApp) : undefined,
  });

  const server = await listenRaw(
    (req, res) => {
      router.handle(req, res).catch((err: unknown) => {
        logger.error({ err }, 'gateway request failed');
        writeProblem(res, 'INTERNAL', 'the gateway failed to handle the request');
      });
    },
    config.GATEWAY_PORT,
    '0.0.0.0',
    config.HTTP_DRAIN_MS,
  );
  stops.add('http', () => server.close());
  logger.info(
    {
      port: server.port,
      upstreams: config.upstreams,
      corsOrigins: config.GATEWAY_CORS_ORIGINS,
      fanApp: config.fanAppDir ?? 'not built',
    },
    `gateway listening on http://localhost:${server.port} (docs at /docs)`,
  );
  return { url: server.url, port: server.port, logger, pools, stop: () => stops.stopAll() };
}

/** Per-client budgets in Redis, keyed by verified identities (the gateway checks signatures). */
async function startRateLimiter(
  config: GatewayConfig,
  parts: { logger: Logger; registry: Registry; stops: StopList; trustedProxies: TrustedProxies },
): Promise<RateLimiter> {
  const { logger, registry, stops } = parts;
  const redis = connectRedis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxRetriesPerRequest: 1,
    login: config,
  });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  stops.add('redis', () => redis.quit());
  const identity = new IdentityVerifier(config, logger, registry).start();
  stops.add('identity verifier', async () => identity.stop());
  const clients = new ClientIdentifier(
    {
      identity,
      passes: new PassVerifier(config.QUEUE_PASS_PUBLIC_KEYS),
      streamTickets: new PassVerifier(config.QUEUE_PASS_PUBLIC_KEYS, STREAM_TICKET_ISSUER),
    },
    parts.trustedProxies,
    config.QUEUE_PASS_CACHE_ENTRIES,
  );
  const limiter = new RateLimiter(
    redis,
    {
      poll: { perSecond: config.GATEWAY_POLL_PER_SECOND, burst: config.GATEWAY_POLL_BURST },
      write: { perSecond: config.GATEWAY_WRITE_PER_SECOND, burst: config.GATEWAY_WRITE_BURST },
    },
    clients,
    {
      logger,
      metrics: registry,
      streamsPerClient: config.GATEWAY_STREAMS_PER_CLIENT,
      clientsRemembered: config.GATEWAY_RATE_LIMIT_CLIENTS,
    },
  );
  await limiter.start();
  stops.add('rate limiter', () => limiter.stop());
  return limiter;
}
