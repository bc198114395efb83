import path from 'node:path';
import { EXIT_CONFIG } from '@ticketing/platform';

/** Where the project keeps what it starts itself (git-ignored). */
export const ROOT = path.resolve(__dirname, '../../..');
export const INFRA_DIR = process.env.INFRA_DIR ?? path.join(ROOT, '.infra');

export const SERVICE_DATABASES = ['concert', 'reservation', 'wallet', 'payment'] as const;

/** API.md's default OIDC_ISSUER_URL: the development provider of npm start. */
export const DEFAULT_OIDC_ISSUER = 'http://localhost:8090/default';

export interface InfraSettings {
  /** Server-level URL; each service uses its own database on it. */
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  /** The OpenID provider the services trust (API.md: OIDC_ISSUER_URL). */
  oidcIssuer: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  return {
    databaseUrl: env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((s) => s.trim()),
    oidcIssuer: env.OIDC_ISSUER_URL || DEFAULT_OIDC_ISSUER,
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
