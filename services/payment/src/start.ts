import {
  StopList,
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  listen,
  type Logger,
  type ServiceHandle,
} from '@ticketing/platform';
import type { Config } from './config';
import { httpRoutes } from './entry-points/http/routes';

export const SERVICE = 'payment';

/** Wires the payment service and runs its entry points; the handle stops them in reverse order. */
export async function start(
  config: Config,
  deps: { logger?: Logger } = {},
): Promise<ServiceHandle> {
  const logger =
    deps.logger ??
    createLogger({ service: SERVICE, instance: config.INSTANCE_ID, level: config.LOG_LEVEL });
  const stops = new StopList(logger);
  const metrics = createMetricsRegistry(SERVICE);

  const { app, finish } = createHttpApp({ service: SERVICE, logger, metrics });
  const routes = httpRoutes(app);
  const server = await listen(finish(routes.operations), config.PORT);
  stops.add('http', () => server.close());
  logger.info({ port: server.port }, 'payment service listening');

  return { url: server.url, port: server.port, logger, stop: () => stops.stopAll() };
}
