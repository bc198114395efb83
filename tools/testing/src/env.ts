import path from 'node:path';
import { generateIdentityProofKey } from '@ticketing/auth';
import { generatePassKeys } from '@ticketing/queue-pass';
import { INFRA_DIR, oidcKeysFile, settingsFromEnv } from '@ticketing/infra';
import { kafkaClientFrom } from '@ticketing/platform';

/**
 * Where the tests' real infrastructure is: set by the global setup (which starts the run's own
 * OpenID provider), or the defaults of infra:up.
 */
export function testInfra() {
  const infra = settingsFromEnv();
  return {
    postgresUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    kafkaBrokers: infra.kafkaBrokers,
    oidcIssuer: infra.oidcIssuer.replace(/\/+$/, ''),
    /** The signing keys of that provider (tests forge claims only it could sign). */
    oidcKeysFile: process.env.OIDC_KEYS_FILE || oidcKeysFile(path.join(INFRA_DIR, 'oidc')),
  };
}

let passKeys: { signingKey: string; publicKeys: string } | undefined;

/**
 * This test process's queue pass keys (ADR 0015): a fresh P-256 pair, made once per process;
 * services a test starts get them through `infraEnv`.
 */
export function testPassKeys(): { signingKey: string; publicKeys: string } {
  return (passKeys ??= generatePassKeys());
}

let identityProofKey: string | undefined;

/** This test process's IDENTITY_PROOF_KEY (ADR 0019): the gateway and the services share it. */
export function testIdentityProofKey(): string {
  return (identityProofKey ??= generateIdentityProofKey());
}

/** The variables a service started by a test needs to reach the test infrastructure. */
export function infraEnv(): Record<string, string> {
  const infra = testInfra();
  return {
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    // The services a test starts run on the client the test does (`testKafka`).
    KAFKA_CLIENT: kafkaClientFrom(process.env),
    OIDC_ISSUER_URL: infra.oidcIssuer,
    QUEUE_PASS_SIGNING_KEY: testPassKeys().signingKey,
    QUEUE_PASS_PUBLIC_KEYS: testPassKeys().publicKeys,
    IDENTITY_PROOF_KEY: testIdentityProofKey(),
    // A stopping consumer waits out its fetch in flight, and tests stop services often (2 s each
    // at the default).
    KAFKA_CONSUMER_MAX_WAIT_MS: '200',
    // A stopping service closes its connections at once: tests stop services often, and a drain
    // (2.5 s at the default) is for the gateway's kept-alive connections in a rolling restart,
    // which test/e2e/rolling-restart.int.test.ts runs with the default.
    HTTP_DRAIN_MS: '0',
  };
}

/**
 * The pool of each service instance in a test's whole system (in-process or as processes): jest
 * runs three test files at a time, and their systems (two instances of four Postgres services,
 * each with its relay and listeners) must fit in Postgres's default 100 connections.
 */
export const SYSTEM_DB_POOL_MAX = '3';

/**
 * The pool of each of the two instances a race test runs (200 requests at once on one wallet or
 * seat): enough transactions in flight at once for the row locks to contend, and small enough
 * that the race fits beside two other files' systems in those 100 connections (at 20 each, a
 * wallet race beside a whole system and the bench smoke met "too many clients" in CI).
 */
export const RACE_DB_POOL_MAX = '8';
