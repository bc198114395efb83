import {
  CREDENTIAL_QUERY_PARAMS,
  SERVICES,
  SERVICE_NAMES,
  type ServiceName,
} from '@ticketing/contracts';

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

/** The queue's event stream: the one route a stream ticket opens (ADR 0026). */
export const QUEUE_EVENTS_PATH = '/queue/tokens/me/events';

export type BudgetName = 'poll' | 'write';

/** Which budget a request spends: polling the queue, or changing something; reads are free. */
export function budgetOf(method: string, path: string): BudgetName | undefined {
  if (method === 'GET' || method === 'HEAD')
    return path === '/queue/tokens/me' || path === QUEUE_EVENTS_PATH ? 'poll' : undefined;
  return method === 'OPTIONS' ? undefined : 'write';
}

/**
 * Whether a URL's query may carry a stream ticket: on the queue's event stream only (however its
 * path is spelled). Anywhere else a ticket names nobody and goes nowhere: it "authorizes nothing
 * else" (ADR 0026).
 */
export const takesStreamTicket = (url: string) =>
  canonicalPath(url.split('?', 1)[0]!) === QUEUE_EVENTS_PATH;

/**
 * The URL as it goes to a service: on any path but the one that takes them, the query loses its
 * credential parameters (`ticket`, however its name is encoded); everything else stays as sent.
 */
export function withoutStrayCredentials(url: string): string {
  const at = url.indexOf('?');
  if (at < 0 || takesStreamTicket(url)) return url;
  const pairs = url.slice(at + 1).split('&');
  const kept = pairs.filter((pair) => !isCredential(new URLSearchParams(pair).keys().next().value));
  if (kept.length === pairs.length) return url;
  return kept.length > 0 ? `${url.slice(0, at)}?${kept.join('&')}` : url.slice(0, at);
}

const isCredential = (name: string | undefined) =>
  name !== undefined && (CREDENTIAL_QUERY_PARAMS as readonly string[]).includes(name);

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
