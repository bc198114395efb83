import { commonEnv, env, loadConfig } from '@ticketing/platform';

export const configShape = {
  ...commonEnv,
  PORT: env.port(3002),
  DATABASE_URL: env.url({
    default: 'postgres://postgres@127.0.0.1:5432/concert',
    protocols: ['postgres', 'postgresql'],
  }),
  REDIS_URL: env.url({ default: 'redis://127.0.0.1:6379', protocols: ['redis', 'rediss'] }),
  /** Must match the queue service's prefix: the token check reads its keys. */
  REDIS_KEY_PREFIX: env.string({ default: '', minLength: 0 }),
  KAFKA_BROKERS: env.hostList('127.0.0.1:9092'),
  /** Prefix of every topic name (environments sharing one Kafka cluster). */
  KAFKA_TOPIC_PREFIX: env.string({ default: '', minLength: 0 }),
  /** Consumer group; every instance of the service shares it. */
  KAFKA_CONSUMER_GROUP: env.string({ default: 'concert' }),
  QUEUE_TOKEN_SECRET: env.string({ minLength: 32 }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 200 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
