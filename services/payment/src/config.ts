import { SERVICES } from '@ticketing/contracts';
import { commonEnv, env, kafkaEnv, loadConfig, postgresEnv } from '@ticketing/platform';
import { identityEnv, tokenCheckEnv } from '@ticketing/auth';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.payment.port),
  ...postgresEnv('payment'),
  ...kafkaEnv('payment'),
  ...tokenCheckEnv,
  /** Reads after the queue pass is spent take the payer's identity. */
  ...identityEnv,
  /** Each waiting saga step's deadline. */
  SAGA_STEP_TIMEOUT_SECONDS: env.int({ default: 30, min: 1, max: 3600 }),
  /** How often each instance looks for sagas past their deadline (a step moves on within this of
   * its deadline; an idle instance pays one query per period). */
  SAGA_SWEEP_INTERVAL_MS: env.int({ default: 5000, min: 50, max: 60_000 }),
  /** How long an ended saga's timeline is kept (the payment itself is kept for good). */
  SAGA_TIMELINE_RETENTION_MINUTES: env.int({ default: 30 * 24 * 60, min: 1 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(configShape, source);
}
