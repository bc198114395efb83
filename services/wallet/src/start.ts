import { startPostgresMessaging } from '@ticketing/messaging/wiring';
import { retentionDeletions, type Logger, type ServiceHandle } from '@ticketing/platform';
import { PeriodicTask, openDatabase, runService, serviceOptions } from '@ticketing/platform/wiring';
import { openAuth } from '@ticketing/auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import { IdempotencyKeys } from './data-access/idempotency-keys';
import { WalletRepository } from './data-access/wallet-repository';
import { Wallets } from './domain/charges';
import type { WalletRepositories } from './domain/repositories';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'wallet';

export type WalletServiceHandle = ServiceHandle & { wallets: Wallets };

/** The repositories the use cases are handed (ADR 0008). */
export const walletRepositories = (): WalletRepositories => ({
  wallets: (on) => new WalletRepository(on),
  keys: (on) => new IdempotencyKeys(on),
});

/** Wires the wallet service and runs its entry points; the handle stops them in reverse order. */
export function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<WalletServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, config, migrations);
    const repositories = walletRepositories();
    const auth = await openAuth(kit, { identity: config });
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(repositories),
    });
    const wallets = new Wallets(db, repositories, {
      maxCharge: config.WALLET_MAX_CHARGE,
      maxBalance: config.WALLET_MAX_BALANCE,
    });
    // Keys are kept IDEMPOTENCY_KEY_TTL_HOURS, then forgotten (any instance may purge).
    const forgotten = retentionDeletions(kit.metrics).labels('idempotency_keys');
    const purge = new PeriodicTask(
      'idempotency key purge',
      async () =>
        forgotten.inc(await wallets.purgeIdempotencyKeys(config.IDEMPOTENCY_KEY_TTL_HOURS)),
      kit.logger,
    ).start(config.RETENTION_INTERVAL_MS);
    kit.stops.add('key purge', () => purge.stop());
    return {
      routes: (app) => httpRoutes(app, { wallets, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      handle: { wallets },
    };
  });
}
