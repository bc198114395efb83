import { startPostgresMessaging } from '@ticketing/messaging';
import {
  openDatabase,
  runService,
  serviceOptions,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { openTokenCheck } from '@ticketing/queue-auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import { Catalog } from './domain/catalog';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'concert';

export type ConcertServiceHandle = ServiceHandle & { catalog: Catalog };

/** Wires the concert service and runs its entry points; the handle stops them in reverse order. */
export function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<ConcertServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, {
      url: config.DATABASE_URL,
      poolMax: config.DB_POOL_MAX,
      migrations,
    });
    // The token must be for the concert the path names.
    const tokens = openTokenCheck(kit, config, (req) => {
      const raw = String(req.params.concertId ?? '');
      return /^\d+$/.test(raw) ? Number(raw) : undefined;
    });
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(),
    });
    const catalog = new Catalog(db);
    return {
      routes: (app) => httpRoutes(app, { catalog, activeToken: tokens.activeToken }),
      readiness: { ...messaging.readiness, ...tokens.readiness },
      handle: { catalog },
    };
  });
}
