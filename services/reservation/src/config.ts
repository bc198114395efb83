import { SERVICES } from '@ticketing/contracts';
import { commonEnv, env, kafkaEnv, loadConfig, postgresEnv } from '@ticketing/platform';
import { identityEnv, tokenCheckEnv } from '@ticketing/auth';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.reservation.port),
  ...postgresEnv('reservation'),
  ...kafkaEnv('reservation'),
  ...tokenCheckEnv,
  /** "My tickets" and reads after the queue pass is spent take the owner's identity. */
  ...identityEnv,
  HOLD_TTL_SECONDS: env.int({ default: 300, min: 1, max: 86_400 }),
  /** How often each instance releases holds whose time is over (a seat comes back within this
   * of its hold's end; an idle instance pays one query per period). */
  HOLD_SWEEP_INTERVAL_MS: env.int({ default: 5000, min: 50, max: 3_600_000 }),
  /**
   * How long an instance may keep turning fans away from a seat it saw taken without asking the
   * database (ADR 0006): the longest a seat given back early stays refused there. 0: off.
   */
  SEAT_TAKEN_CACHE_MS: env.int({ default: 1000, min: 0, max: 60_000 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
