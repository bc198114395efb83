import path from 'node:path';
import { DATABASE_SERVICES, LOCAL_DEFAULTS, SERVICES } from '@ticketing/contracts';
import {
  ConfigError,
  EXIT_CONFIG,
  env as variable,
  loadConfig,
  redisUrlEnv,
} from '@ticketing/platform';
import { PRODUCTION_SHAPE_PORTS, shapeBrokers, shapeRedisPorts } from './production-shape/ports';

/** Where the project keeps what it starts itself (git-ignored). */
export const ROOT = path.resolve(__dirname, '../../..');
export const INFRA_DIR = process.env.INFRA_DIR ?? path.join(ROOT, '.infra');

/**
 * Node's on-disk compile cache for the programs the project starts (the launcher's, the tests'):
 * NODE_COMPILE_CACHE when set (empty is unset), else a folder of INFRA_DIR. A process that finds
 * its modules compiled starts on less CPU (docs/testing.md); entries are keyed by each file's
 * contents, so a rebuild never runs stale code. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
export const NODE_COMPILE_CACHE_DIR =
  process.env.NODE_COMPILE_CACHE || path.join(INFRA_DIR, 'node-compile-cache');

/** The compile cache's variables for a program the project starts (its off switch passed on). */
export const compileCacheEnv = (): Record<string, string> =>
  process.env.NODE_DISABLE_COMPILE_CACHE
    ? { NODE_DISABLE_COMPILE_CACHE: process.env.NODE_DISABLE_COMPILE_CACHE }
    : { NODE_COMPILE_CACHE: NODE_COMPILE_CACHE_DIR };

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
 * default), or `production`, a local stand-in for production's shape: three Kafka brokers, a
 * Postgres that fails over, a Redis Cluster with replicas (ADR 0022, 0024).
 */
export type InfraShape = 'local' | 'production';

/**
 * How a tool's main ends on an error: a refused setting with EXIT_CONFIG, each variable named on
 * a line of its own (as a service does), anything else with 1 and its message.
 */
export function exitOnError(tool: string, err: unknown): never {
  if (err instanceof ConfigError) {
    for (const p of err.problems) process.stderr.write(`${p.variable}: ${p.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  process.stderr.write(`[${tool}] ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

export function shapeFromEnv(env: NodeJS.ProcessEnv = process.env): InfraShape {
  return loadConfig({ INFRA_SHAPE: variable.oneOf(['local', 'production'], 'local') }, env)
    .INFRA_SHAPE;
}

/** Where the infrastructure of the shape is, unless the variables say otherwise. */
function defaultsOf(shape: InfraShape) {
  if (shape === 'local') return LOCAL_DEFAULTS;
  const ports = PRODUCTION_SHAPE_PORTS;
  return {
    ...LOCAL_DEFAULTS,
    postgresUrl: `postgres://postgres@127.0.0.1:${ports.postgresRw}/postgres`,
    redisUrl: shapeRedisPorts(ports.redis)
      .map((p) => `redis://127.0.0.1:${p}`)
      .join(','),
    kafkaBrokers: shapeBrokers(ports.kafka).join(','),
  };
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const defaults = defaultsOf(shapeFromEnv(env));
  const settings = loadConfig(
    {
      POSTGRES_URL: variable.url({
        default: defaults.postgresUrl,
        protocols: ['postgres', 'postgresql'],
      }),
      REDIS_URL: redisUrlEnv(defaults.redisUrl),
      KAFKA_BROKERS: variable.hostList(defaults.kafkaBrokers),
      OIDC_ISSUER_URL: variable.url({
        default: defaults.oidcIssuer,
        protocols: ['http', 'https'],
      }),
    },
    env,
  );
  return {
    databaseUrl: settings.POSTGRES_URL,
    redisUrl: settings.REDIS_URL,
    kafkaBrokers: settings.KAFKA_BROKERS,
    oidcIssuer: settings.OIDC_ISSUER_URL,
  };
}

/**
 * INSTANCES: how many processes of each service `npm start` and `npm run bench` run (1 to 8).
 * Anything else is a ConfigError naming the variable.
 */
export function instancesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return loadConfig({ INSTANCES: variable.int({ default: 1, min: 1, max: 8 }) }, env).INSTANCES;
}

export function say(line: string): void {
  process.stdout.write(`[infra] ${line}\n`);
}
