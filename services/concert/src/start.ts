import { startPostgresMessaging } from '@ticketing/messaging/wiring';
import { type Logger, type ServiceHandle } from '@ticketing/platform';
import {
  PeriodicTask,
  PgNotifications,
  openDatabase,
  runService,
  serviceOptions,
} from '@ticketing/platform/wiring';
import { openAuth } from '@ticketing/auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import {
  CatalogRepository,
  CatalogWriter,
  SeatProjectionRepository,
  SeatMapChanges,
} from './data-access/catalog-repository';
import { AvailabilityAnnouncer } from './domain/availability';
import { Catalog } from './domain/catalog';
import type { CatalogIn } from './domain/repositories';
import { SeatMaps } from './domain/seat-maps';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'concert';
const AVAILABILITY_FALLBACK_MS = 10_000;

export type ConcertServiceHandle = ServiceHandle & { catalog: Catalog; seatMaps: SeatMaps };

/** The repositories the use cases are handed (ADR 0008). */
export const catalogIn: CatalogIn = {
  reads: (on) => new CatalogRepository(on),
  writer: (tx) => new CatalogWriter(tx),
  projection: (db) => new SeatProjectionRepository(db),
};

/** Wires the concert service and runs its entry points; the handle stops them in reverse order. */
export function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<ConcertServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, config, migrations);
    const auth = await openAuth(kit, { identity: config, queuePass: config });
    const announcer = new AvailabilityAnnouncer(db, catalogIn, {
      delayMs: config.AVAILABILITY_ANNOUNCE_MS,
      logger: kit.logger,
    });
    // Registered before the consumer: stopped after it, once the last projection is in.
    kit.stops.add('availability announcer', () => announcer.stop());
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(catalogIn, announcer),
    });
    // Dates an instance left due when it stopped, and at most every 10 s what a lost trigger left.
    const leftovers = new PeriodicTask(
      'availability announcement',
      () => announcer.announceDue(),
      kit.logger,
    ).start(AVAILABILITY_FALLBACK_MS);
    void leftovers.runOnce();
    kit.stops.add('availability fallback', () => leftovers.stop());
    const catalog = new Catalog(db, catalogIn);
    const notifications = new PgNotifications({
      databaseUrl: config.DATABASE_URL,
      logger: kit.logger,
      applicationName: `concert-notifications#${kit.instanceId}`,
    });
    const seatMaps = new SeatMaps(db, catalogIn, {
      maxAgeMs: config.SEAT_MAP_CACHE_MS,
      changes: new SeatMapChanges(notifications),
    });
    await notifications.start();
    kit.stops.add('database notifications', () => notifications.stop());
    return {
      routes: (app) => httpRoutes(app, { catalog, seatMaps, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      handle: { catalog, seatMaps },
    };
  });
}
