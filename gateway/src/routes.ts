export const SERVICE_NAMES = ['queue', 'concert', 'reservation', 'wallet', 'payment'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * The public paths of API.md and the service that owns each. A path belongs to a service when
 * it is the prefix itself or continues with `/` (so `/walletsX` is nobody's).
 */
export const ROUTES: readonly { prefix: string; service: ServiceName }[] = [
  { prefix: '/queue', service: 'queue' },
  { prefix: '/concerts', service: 'concert' },
  { prefix: '/reservations', service: 'reservation' },
  { prefix: '/wallets', service: 'wallet' },
  { prefix: '/payments', service: 'payment' },
];

export function serviceFor(url: string): ServiceName | undefined {
  const path = url.split('?', 1)[0]!;
  for (const route of ROUTES) {
    if (path === route.prefix || path.startsWith(`${route.prefix}/`)) return route.service;
  }
  return undefined;
}

/** Server-sent event streams stay open as long as the client listens: no response deadline. */
export const isEventStream = (url: string) => url.split('?', 1)[0]!.endsWith('/events');
