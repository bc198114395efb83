import path from 'node:path';
import { DATABASE_SERVICES, LOCAL_DEFAULTS, SERVICES } from '@ticketing/contracts';
import { EXIT_CONFIG } from '@ticketing/platform';
import { PRODUCTION_SHAPE_PORTS, shapeBrokers, shapeRedisPorts } from './production/ports';

/** Where the project keeps what it starts itself (git-ignored). */
export const ROOT = path.resolve(__dirname, '../../..');
export const INFRA_DIR = process.env.INFRA_DIR ?? path.join(ROOT, '.infra');

/** The databases infra:up creates: one per service that has one. */
export const SERVICE_DATABASES = DATABASE_SERVICES.map((name) => SERVICES[name].database!);

export interface InfraSettings {
  /** Server-level URL; each service uses its own database on it. */
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** The OpenID provider the services trust (API.md: OIDC_ISSUER_URL). */
  oidcIssuer: string;
}

/**
 * Which infrastructure `infra:up` and `npm start` use (INFRA_SHAPE): `local`, one of each (the
 * default), or `production`, three Kafka brokers and a Postgres that fails over (ADR 0022).
 */
export type InfraShape = 'local' | 'production';

export function shapeFromEnv(env: NodeJS.ProcessEnv = process.env): InfraShape {
  const shape = env.INFRA_SHAPE || 'local';
  if (shape === 'local' || shape === 'production') return shape;
  process.stderr.write(`INFRA_SHAPE: must be "local" or "production", got "${shape}"\n`);
  process.exit(EXIT_CONFIG);
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const production = shapeFromEnv(env) === 'production';
  return {
    databaseUrl:
      env.POSTGRES_URL ||
      (production
        ? `postgres://postgres@127.0.0.1:${PRODUCTION_SHAPE_PORTS.postgresRw}/postgres`
        : LOCAL_DEFAULTS.postgresUrl),
    redisUrl:
      env.REDIS_URL ||
      (production
        ? shapeRedisPorts(PRODUCTION_SHAPE_PORTS.redis)
            .map((p) => `redis://127.0.0.1:${p}`)
            .join(',')
        : LOCAL_DEFAULTS.redisUrl),
    kafkaBrokers: (
      env.KAFKA_BROKERS ||
      (production
        ? shapeBrokers(PRODUCTION_SHAPE_PORTS.kafka).join(',')
        : LOCAL_DEFAULTS.kafkaBrokers)
    )
      .split(',')
      .map((s) => s.trim()),
    oidcIssuer: env.OIDC_ISSUER_URL || LOCAL_DEFAULTS.oidcIssuer,
  };
}

/**
 * INSTANCES: how many processes of each service `npm start` and `npm run bench` run (1 to 8).
 * Anything else ends the process with EXIT_CONFIG, naming the variable.
 */
export function instancesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.INSTANCES ?? '1');
  if (Number.isInteger(n) && n >= 1 && n <= 8) return n;
  process.stderr.write(`INSTANCES: must be an integer 1..8, got "${env.INSTANCES}"\n`);
  process.exit(EXIT_CONFIG);
}

export function say(line: string): void {
  process.stdout.write(`[infra] ${line}\n`);
}
