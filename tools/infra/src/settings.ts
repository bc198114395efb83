import path from 'node:path';

/** Where the project keeps what it starts itself (git-ignored). */
export const ROOT = path.resolve(__dirname, '../../..');
export const INFRA_DIR = process.env.INFRA_DIR ?? path.join(ROOT, '.infra');

export const SERVICE_DATABASES = ['concert', 'reservation', 'wallet', 'payment'] as const;

export interface InfraSettings {
  /** Server-level URL; each service uses its own database on it. */
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  return {
    databaseUrl: env.POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092').split(',').map((s) => s.trim()),
  };
}

export function say(line: string): void {
  process.stdout.write(`[infra] ${line}\n`);
}
