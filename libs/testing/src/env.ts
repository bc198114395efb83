import { DEFAULT_OIDC_ISSUER } from '@ticketing/infra';

/** Where the tests' real infrastructure is (set by global setup, or the defaults of infra:up). */
export function testInfra() {
  return {
    postgresUrl: process.env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    kafkaBrokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    oidcIssuer: (process.env.OIDC_ISSUER_URL || DEFAULT_OIDC_ISSUER).replace(/\/+$/, ''),
  };
}
