import { Credentials } from '@ticketing/auth';
import type { ServiceName } from '@ticketing/contracts';
import type { HttpApp, OpenApiOperation } from '@ticketing/platform';
import { httpRoutes as concertRoutes } from '../../services/concert/src/entry-points/http/routes';
import { httpRoutes as paymentRoutes } from '../../services/payment/src/entry-points/http/routes';
import { httpRoutes as queueRoutes } from '../../services/queue/src/entry-points/http/routes';
import { httpRoutes as reservationRoutes } from '../../services/reservation/src/entry-points/http/routes';
import { httpRoutes as walletRoutes } from '../../services/wallet/src/entry-points/http/routes';

/**
 * Every service's route declarations, as each serves them. A route table holds its dependencies
 * for the requests to come, so declaring it with none is enough to read it; the credentials'
 * authenticators name their schemes without verifying anything.
 */
const none = undefined as never;
const app = { route: () => app } as unknown as HttpApp;
const credentials = new Credentials({});

export const SERVICE_ROUTES: Record<ServiceName, readonly OpenApiOperation[]> = {
  queue: queueRoutes(app, {
    joining: none,
    places: none,
    tickets: none,
    credentials,
    streams: none,
  }).operations,
  concert: concertRoutes(app, { catalog: none, seatMaps: none, credentials }).operations,
  reservation: reservationRoutes(app, { holds: none, credentials }).operations,
  wallet: walletRoutes(app, { wallets: none, credentials }).operations,
  payment: paymentRoutes(app, { requests: none, queries: none, credentials }).operations,
};
