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
export const isEventStream = (url: string) =>
  canonicalPath(url.split('?', 1)[0]!).endsWith('/events');

/**
 * The route a path means, however it is spelled: percent-encodings decoded, case folded,
 * repeated and trailing slashes dropped. `/queue/tokens/me/`, `/queue/tokens/%6De` and
 * `/Queue/Tokens/ME` are one route, and spend one budget (a service may answer every spelling).
 */
export function canonicalPath(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape: the path as sent (no service routes it anyway).
  }
  const folded = decoded.toLowerCase().replace(/\/{2,}/g, '/');
  return folded.length > 1 ? folded.replace(/\/+$/, '') || '/' : folded;
}
