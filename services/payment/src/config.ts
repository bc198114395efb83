import { commonEnv, env, loadConfig } from '@ticketing/platform';

export const configShape = {
  ...commonEnv,
  PORT: env.port(3005),
  DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/payment',
    protocols: ['postgres', 'postgresql'],
  }),
  REDIS_URL: env.url({ default: 'redis://127.0.0.1:6379', protocols: ['redis', 'rediss'] }),
  /** Must match the queue service's prefix: the token check reads its keys. */
  REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
  KAFKA_BROKERS: env.hostList('127.0.0.1:9092'),
  KAFKA_TOPIC_PREFIX: env.string({ default: '', minLength: 0 }),
  KAFKA_CONSUMER_GROUP: env.string({ default: 'payment' }),
  QUEUE_TOKEN_SECRET: env.string({ minLength: 32 }),
  /** Each waiting saga step's deadline. */
  SAGA_STEP_TIMEOUT_SECONDS: env.int({ default: 30, min: 1, max: 3600 }),
  /** How often each instance looks for sagas past their deadline. */
  SAGA_SWEEP_INTERVAL_MS: env.int({ default: 1000, min: 50, max: 60_000 }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 200 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
