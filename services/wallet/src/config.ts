import { commonEnv, env, loadConfig } from '@ticketing/platform';

export const configShape = {
  ...commonEnv,
  PORT: env.port(3004),
};

export type Config = ReturnType<typeof loadServiceConfig>;

/** Reads and validates the environment; throws ConfigError naming each bad variable. */
export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
