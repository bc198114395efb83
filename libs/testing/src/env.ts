import path from 'node:path';
import { DEFAULT_OIDC_ISSUER, INFRA_DIR, oidcKeysFile } from '@ticketing/infra';

/**
 * Where the tests' real infrastructure is: set by the global setup (which starts the run's own
 * OpenID provider), or the defaults of infra:up.
 */
export function testInfra() {
  return {
    postgresUrl: process.env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    kafkaBrokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    oidcIssuer: (process.env.OIDC_ISSUER_URL || DEFAULT_OIDC_ISSUER).replace(/\/+$/, ''),
    /** The signing keys of that provider (tests forge claims only it could sign). */
    oidcKeysFile: process.env.OIDC_KEYS_FILE || oidcKeysFile(path.join(INFRA_DIR, 'oidc')),
  };
}

/** The variables a service started by a test needs to reach the test infrastructure. */
export function infraEnv(): Record<string, string> {
  const infra = testInfra();
  return {
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    OIDC_ISSUER_URL: infra.oidcIssuer,
  };
}
