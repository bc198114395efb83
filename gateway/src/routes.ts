import { SERVICES, SERVICE_NAMES, type ServiceName } from '@ticketing/contracts';

export { SERVICE_NAMES, type ServiceName };

/**
 * The public paths of API.md and the service that owns each (the system table). A path belongs
 * to a service when it is the prefix itself or continues with `/` (so `/walletsX` is nobody's).
 */
export const ROUTES: readonly { prefix: string; service: ServiceName }[] = SERVICE_NAMES.flatMap(
  (service) => SERVICES[service].paths.map((prefix) => ({ prefix, service })),
);

export function serviceFor(url: string): ServiceName | undefined {
  const path = url.split('?', 1)[0]!;
  for (const route of ROUTES) {
    if (path === route.prefix || path.startsWith(`${route.prefix}/`)) return route.service;
  }
  return undefined;
}

/** Server-sent event streams stay open as long as the client listens: no response deadline. */
export const isEventStream = (url: string) => url.split('?', 1)[0]!.endsWith('/events');
