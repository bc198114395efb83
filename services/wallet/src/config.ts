import { SERVICES } from '@ticketing/contracts';
import {
  ConfigError,
  commonEnv,
  env,
  kafkaEnv,
  loadConfig,
  postgresEnv,
} from '@ticketing/platform';
import { identityEnv } from '@ticketing/auth';

export const configShape = {
  ...commonEnv,
  PORT: env.port(SERVICES.wallet.port),
  ...postgresEnv('wallet'),
  ...kafkaEnv('wallet'),
  /** Only a wallet's owner may charge or read it (API.md, Wallet). */
  ...identityEnv,
  /** Largest single charge, KRW. */
  WALLET_MAX_CHARGE: env.int({ default: 10_000_000, min: 1, max: 1_000_000_000 }),
  /** Largest balance a wallet may reach by charging, KRW. */
  WALLET_MAX_BALANCE: env.int({ default: 100_000_000, min: 1, max: 1_000_000_000_000 }),
  /** How long an Idempotency-Key is remembered (at least 24 h). */
  IDEMPOTENCY_KEY_TTL_HOURS: env.int({ default: 24, min: 24, max: 24 * 30 }),
};

export type Config = ReturnType<typeof loadServiceConfig>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env) {
  const config = loadConfig(configShape, source);
  if (config.WALLET_MAX_CHARGE > config.WALLET_MAX_BALANCE) {
    throw new ConfigError([
      {
        variable: 'WALLET_MAX_CHARGE',
        message: `must not exceed WALLET_MAX_BALANCE (${config.WALLET_MAX_BALANCE})`,
      },
    ]);
  }
  return config;
}
