import { startPostgresMessaging } from '@ticketing/messaging';
import {
  openDatabase,
  runService,
  serviceOptions,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import { openAuth } from '@ticketing/auth';
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
    const auth = openAuth(kit, { queuePass: config });
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(),
    });
    const catalog = new Catalog(db);
    return {
      routes: (app) => httpRoutes(app, { catalog, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      handle: { catalog },
    };
  });
}
