import { SERVICES } from '@ticketing/contracts';
import { commonEnv, env, kafkaEnv, loadConfig, postgresEnv } from '@ticketing/platform';
import { identityEnv, tokenCheckEnv } from '@ticketing/auth';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.concert.port),
  ...postgresEnv('concert'),
  ...kafkaEnv('concert'),
  ...tokenCheckEnv,
  /** Operators publish concerts and dates with an identity token (scope ticketing:admin). */
  ...identityEnv,
  /**
   * The longest an instance serves a seat map from memory without reading it again; every
   * change announced by the projection is seen at once, this bounds a lost announcement.
   * 0: read the database on every request.
   */
  SEAT_MAP_CACHE_MS: env.int({ default: 1000, min: 0, max: 60_000 }),
  /**
   * How long after a seat moves its date's availability is announced (concert.availability-
   * changed): the seats that move meanwhile go in the same announcement.
   */
  AVAILABILITY_ANNOUNCE_MS: env.int({ default: 100, min: 0, max: 10_000 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
