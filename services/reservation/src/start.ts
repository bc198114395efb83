import { startPostgresMessaging } from '@ticketing/messaging/wiring';
import { BoundedMemory, type Logger, type ServiceHandle } from '@ticketing/platform';
import { PeriodicTask, openDatabase, runService, serviceOptions } from '@ticketing/platform/wiring';
import { openAuth } from '@ticketing/auth';
import { migrations } from '../migrations';
import type { Config } from './config';
import { ReservationRepository } from './data-access/reservation-repository';
import type { ReservationMemory } from './data-access/reservation-rows';
import { SeatHolds } from './domain/holds';
import type { ReservationsIn } from './domain/repositories';
import { TakenSeats } from './domain/taken-seats';
import { httpRoutes } from './entry-points/http/routes';
import { messageHandlers } from './entry-points/messaging/handlers';

export const SERVICE = 'reservation';

/** The repository the use cases are handed (ADR 0008); with no memory of recent holds. */
export const reservationsIn: ReservationsIn = (on) => new ReservationRepository(on);

/** The repository over one memory of a process (its recent holds, the schedules it read). */
export function reservationsWith(memory: ReservationMemory): ReservationsIn {
  return (on) => new ReservationRepository(on, memory);
}

/** How many of its recent holds and of the schedules it read a process remembers. */
const RECENT_HOLDS = 10_000;
const KNOWN_SCHEDULES = 1000;

export type ReservationServiceHandle = ServiceHandle & { holds: SeatHolds };

/** Wires the reservation service and runs its entry points; the handle stops them in reverse order. */
export function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<ReservationServiceHandle> {
  return runService(serviceOptions(SERVICE, config, deps.logger), async (kit) => {
    const db = await openDatabase(kit, config, migrations);
    const repositories = reservationsWith({
      // A hold whose saga the other instance carried on is never taken here: past its end the
      // memory of it is no use to anyone.
      holds: new BoundedMemory(RECENT_HOLDS, { forgetAfterMs: config.HOLD_TTL_SECONDS * 1000 }),
      schedules: new BoundedMemory(KNOWN_SCHEDULES),
    });
    const auth = await openAuth(kit, { identity: config, queuePass: config });
    const messaging = await startPostgresMessaging({
      ...kit,
      db,
      config,
      handlers: messageHandlers(repositories),
    });
    const holds = new SeatHolds(
      db,
      repositories,
      config.HOLD_TTL_SECONDS,
      new TakenSeats(config.SEAT_TAKEN_CACHE_MS),
    );
    // Every instance sweeps; SKIP LOCKED keeps them from releasing the same hold twice.
    const sweeper = new PeriodicTask('hold sweep', () => holds.releaseDueHolds(), kit.logger).start(
      config.HOLD_SWEEP_INTERVAL_MS,
    );
    kit.stops.add('hold sweeper', () => sweeper.stop());
    return {
      routes: (app) => httpRoutes(app, { holds, credentials: auth.credentials }),
      readiness: { ...messaging.readiness, ...auth.readiness },
      securitySchemes: auth.securitySchemes,
      handle: { holds },
    };
  });
}
