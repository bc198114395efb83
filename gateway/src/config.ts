import { identityEnv } from '@ticketing/auth';
import { PASS_CACHE_DEFAULT_ENTRIES, publicKeysEnv } from '@ticketing/queue-pass';
import { redisEnv, ConfigError, commonEnv, env, loadConfig } from '@ticketing/platform';
import { GATEWAY_PORT, SERVICES } from '@ticketing/contracts';
import fs from 'node:fs';
import { corsOriginsEnv } from './cors';
import { DEFAULT_FAN_APP_DIR, authorizationParamsEnv } from './fan-app';
import { trustedProxiesEnv } from './trusted-proxies';
import { RATE_LIMIT_CLIENTS_DEFAULT } from './rate-limit';
import { SERVICE_NAMES, type ServiceName } from './routes';

/** Comma-separated base URLs of a service's instances, e.g. `http://10.0.0.5:3003,http://…`. */
export const upstreamVariable = (service: ServiceName) =>
  `${service.toUpperCase() as Uppercase<ServiceName>}_URLS` as const;

export const gatewayConfigShape = {
  ...commonEnv,
  GATEWAY_PORT: env.port(GATEWAY_PORT),
  // Longer than the longest legitimate answer: `Prefer: wait=30` on POST /payments.
  GATEWAY_UPSTREAM_TIMEOUT_MS: env.int({ default: 40_000, min: 1000, max: 600_000 }),
  /**
   * How long a request waits while no instance of its service can take it (all refusing
   * connections — a crash, a restart — or answering 503 to a request safe to repeat — a database
   * failover) before the gateway answers 503 with Retry-After. Above a Postgres failover and a
   * restart of every instance; 0 answers at once.
   */
  GATEWAY_UPSTREAM_HOLD_MS: env.int({ default: 15_000, min: 0, max: 120_000 }),
  GATEWAY_MAX_BODY_BYTES: env.int({ default: 65_536, min: 1024, max: 10_485_760 }),
  /**
   * Budgets per client (identity `sub`, else address), shared by every gateway instance in
   * Redis: polling the queue, and writes (joins, holds, charges, payments). 429 beyond them.
   */
  GATEWAY_RATE_LIMIT: env.bool(true),
  GATEWAY_POLL_PER_SECOND: env.int({ default: 2, min: 1, max: 100_000 }),
  GATEWAY_POLL_BURST: env.int({ default: 10, min: 1, max: 1_000_000 }),
  GATEWAY_WRITE_PER_SECOND: env.int({ default: 2, min: 1, max: 100_000 }),
  GATEWAY_WRITE_BURST: env.int({ default: 20, min: 1, max: 1_000_000 }),
  /** Event streams one client may hold open on one gateway instance; 429 beyond. */
  GATEWAY_STREAMS_PER_CLIENT: env.int({ default: 3, min: 1, max: 1000 }),
  /** Clients whose local share of a budget an instance remembers: its memory's bound. */
  GATEWAY_RATE_LIMIT_CLIENTS: env.int({ default: RATE_LIMIT_CLIENTS_DEFAULT, min: 1 }),
  /** Queue passes whose signature an instance remembers (a fan sends the same one each call). */
  QUEUE_PASS_CACHE_ENTRIES: env.int({ default: PASS_CACHE_DEFAULT_ENTRIES, min: 1 }),
  /**
   * The queue's public keys (JWKS): with budgets on, a queue pass is verified before its `sub`
   * is trusted as the client (required then).
   */
  QUEUE_PASS_PUBLIC_KEYS: publicKeysEnv().optional(),
  /**
   * The proxies in front of the gateway (addresses, CIDR ranges): their X-Forwarded-For is
   * believed, and the client is the right-most hop that is not one of them. Empty: the socket's
   * address is the client's.
   */
  GATEWAY_TRUSTED_PROXIES: trustedProxiesEnv(),
  /**
   * The web origins whose pages may call the API (CORS, ADR 0026); empty: same-origin pages only.
   * Their preflights are answered here and cached by the browser for GATEWAY_CORS_MAX_AGE_SECONDS.
   */
  GATEWAY_CORS_ORIGINS: corsOriginsEnv(),
  GATEWAY_CORS_MAX_AGE_SECONDS: env.int({ default: 600, min: 0, max: 86_400 }),
  /**
   * The reference fan app's built files (apps/fan), served at `/`; unset: the repository's
   * apps/fan/dist when it was built, else no app. `off`: none.
   */
  GATEWAY_FAN_APP_DIR: env.optionalString(),
  /** The fan app's OpenID provider as a browser reaches it (default OIDC_ISSUER_URL). */
  FAN_APP_ISSUER_URL: env.optionalString(),
  /** Its public client there (authorization code + PKCE, no secret). */
  FAN_APP_CLIENT_ID: env.string({ default: 'fan-app' }),
  /** Extra authorization parameters the provider needs for an API access token (`audience`, `resource`). */
  FAN_APP_AUTHORIZATION_PARAMS: authorizationParamsEnv(),
  /** The budgets' Redis and the gateway's own ACL user there. */
  ...redisEnv(),
  REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
  /** The identity provider (API.md, Identity): /docs asks it for access tokens; budgets follow verified identities. */
  ...identityEnv,
  // <SERVICE>_URLS for each service: its instances (npm start: the local ports of the table).
  ...(Object.fromEntries(
    SERVICE_NAMES.map((s) => [
      upstreamVariable(s),
      env.urlList(`http://127.0.0.1:${SERVICES[s].port}`),
    ]),
  ) as Record<`${Uppercase<ServiceName>}_URLS`, ReturnType<typeof env.urlList>>),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env) {
  const raw = loadConfig(gatewayConfigShape, source);
  if (raw.GATEWAY_RATE_LIMIT && !raw.QUEUE_PASS_PUBLIC_KEYS)
    throw new ConfigError([
      {
        variable: 'QUEUE_PASS_PUBLIC_KEYS',
        message: 'is required while GATEWAY_RATE_LIMIT is on (the queue pass public keys, a JWKS)',
      },
    ]);
  const fanAppDir = fanAppDirOf(raw.GATEWAY_FAN_APP_DIR);
  const upstreams = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, raw[upstreamVariable(s) as keyof typeof raw] as string[]]),
  ) as Record<ServiceName, string[]>;
  return {
    ...raw,
    QUEUE_PASS_PUBLIC_KEYS: raw.QUEUE_PASS_PUBLIC_KEYS ?? { keys: [] },
    upstreams,
    fanAppDir,
    fanApp: {
      issuer: (raw.FAN_APP_ISSUER_URL ?? raw.OIDC_ISSUER_URL).replace(/\/+$/, ''),
      clientId: raw.FAN_APP_CLIENT_ID,
      authorizationParams: raw.FAN_APP_AUTHORIZATION_PARAMS,
    },
  };
}

/** The fan app's folder: one named must hold a built app; the default only when it was built. */
function fanAppDirOf(setting: string | undefined): string | undefined {
  if (setting === 'off') return undefined;
  if (!setting)
    return fs.existsSync(`${DEFAULT_FAN_APP_DIR}/index.html`) ? DEFAULT_FAN_APP_DIR : undefined;
  if (!fs.existsSync(`${setting}/index.html`))
    throw new ConfigError([
      {
        variable: 'GATEWAY_FAN_APP_DIR',
        message: `${setting} holds no index.html (npm run build)`,
      },
    ]);
  return setting;
}
