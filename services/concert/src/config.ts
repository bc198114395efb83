import { SERVICES } from '@ticketing/contracts';
import { commonEnv, env, kafkaEnv, loadConfig, postgresEnv } from '@ticketing/platform';
import { tokenCheckEnv } from '@ticketing/auth';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.concert.port),
  ...postgresEnv('concert'),
  ...kafkaEnv('concert'),
  ...tokenCheckEnv,
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
