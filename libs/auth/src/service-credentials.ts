import {
  env,
  redisEnv,
  type Logger,
  type ReadinessCheck,
  type RedisClient,
  type RedisLogin,
} from '@ticketing/platform';
import { connectRedis, type StopList } from '@ticketing/platform/process';
import {
  CachedAdmissionSource,
  PASS_CACHE_DEFAULT_ENTRIES,
  PassVerifier,
  RedisAdmissionSource,
  publicKeysEnv,
  revokedPassesChannel,
  type AdmissionSource,
} from '@ticketing/queue-pass';
import type { Registry } from 'prom-client';
import { Credentials } from './credentials';
import { IdentityVerifier, type IdentityConfig } from './identity';
import { securitySchemes } from './security-schemes';
import type { JSONWebKeySet } from 'jose';

/** What a queue-gated service reads to check queue passes (the queue service reads the same). */
export const tokenCheckEnv = {
  ...redisEnv(),
  /** Must match the queue service's prefix: the pass check reads its keys. */
  REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
  /** The queue's public keys (JWKS): passes are verified, never signed, outside the queue. */
  QUEUE_PASS_PUBLIC_KEYS: publicKeysEnv(),
  /**
   * How long an instance answers "ACTIVE" for a pass from memory before asking Redis again;
   * revocations arrive at once by pub/sub, this bounds what a lost announcement costs. 0: ask
   * Redis on every request.
   */
  QUEUE_PASS_CACHE_MS: env.int({ default: 5000, min: 0, max: 60_000 }),
  /** Passes an instance remembers, per kind (signatures verified, admissions): its memory's bound. */
  QUEUE_PASS_CACHE_ENTRIES: env.int({ default: PASS_CACHE_DEFAULT_ENTRIES, min: 1 }),
};

export interface QueuePassConfig extends RedisLogin {
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  QUEUE_PASS_PUBLIC_KEYS: JSONWebKeySet;
  QUEUE_PASS_CACHE_MS: number;
  QUEUE_PASS_CACHE_ENTRIES?: number;
}

export interface Auth {
  credentials: Credentials;
  readiness: Record<string, ReadinessCheck>;
  /** The OpenAPI security schemes of the credentials this service takes. */
  securitySchemes: () => Record<string, unknown>;
  identity?: IdentityVerifier;
  redis?: RedisClient;
}

/**
 * A service's credentials: the identity verifier when it serves users by identity, the queue
 * pass check (a Redis client on the queue's keys) when it has queue-gated paths. Registers what
 * it opens to stop.
 */
export async function openAuth(
  kit: { logger: Logger; stops: StopList; metrics?: Registry },
  config: {
    identity?: IdentityConfig;
    queuePass?: QueuePassConfig;
    /** The queue service: it signs passes and owns their state, so it needs no Redis here. */
    passVerifier?: PassVerifier;
    /** The queue service: it signs stream tickets too, and takes them on its event stream. */
    streamTickets?: PassVerifier;
    /** Passes remembered (QUEUE_PASS_CACHE_ENTRIES) where `queuePass` is not given: the queue's. */
    passCacheEntries?: number;
  },
): Promise<Auth> {
  const readiness: Record<string, ReadinessCheck> = {};
  let identity: IdentityVerifier | undefined;
  if (config.identity) {
    identity = new IdentityVerifier(config.identity, kit.logger, kit.metrics).start();
    kit.stops.add('identity verifier', async () => identity!.stop());
    readiness['identity provider'] = identity.readinessCheck;
  }
  let redis: RedisClient | undefined;
  let passes = config.passVerifier;
  if (config.queuePass) {
    redis = connectRedis(config.queuePass.REDIS_URL, {
      keyPrefix: config.queuePass.REDIS_KEY_PREFIX,
      login: config.queuePass,
    });
    redis.on('error', (err) => kit.logger.warn({ err: err.message }, 'redis connection error'));
    kit.stops.add('redis', () => redis!.quit());
    passes = new PassVerifier(config.queuePass.QUEUE_PASS_PUBLIC_KEYS);
    readiness.redis = () => redis!.ping();
  }
  let admissions: AdmissionSource | undefined;
  if (redis && config.queuePass) {
    const lookups = new RedisAdmissionSource(redis);
    admissions = lookups;
    if (config.queuePass.QUEUE_PASS_CACHE_MS > 0) {
      const cached = new CachedAdmissionSource(lookups, {
        subscriber: redis.duplicate(),
        channel: revokedPassesChannel(config.queuePass.REDIS_KEY_PREFIX),
        maxAgeMs: config.queuePass.QUEUE_PASS_CACHE_MS,
        maxEntries: config.queuePass.QUEUE_PASS_CACHE_ENTRIES,
        logger: kit.logger,
        metrics: kit.metrics,
      });
      await cached.start();
      kit.stops.add('queue pass revocations', () => cached.stop());
      admissions = cached;
    }
  }
  const { streamTickets } = config;
  const credentials = new Credentials({
    identity,
    passes,
    admissions,
    streamTickets,
    passCacheEntries: config.queuePass?.QUEUE_PASS_CACHE_ENTRIES ?? config.passCacheEntries,
  });
  return {
    credentials,
    readiness,
    identity,
    redis,
    securitySchemes: () =>
      securitySchemes({
        queuePass: passes !== undefined,
        streamTicket: streamTickets !== undefined,
        identityTokenUrl: identity
          ? (identity.tokenEndpoint ??
            `${config.identity!.OIDC_ISSUER_URL.replace(/\/+$/, '')}/token`)
          : undefined,
      }),
  };
}
