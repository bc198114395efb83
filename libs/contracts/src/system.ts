import { TOPICS } from './topics';

/**
 * The system's shape, in one place: its services (the port of their first instance, their
 * database, the public paths they own, the topics they read and write), the gateway's port, and the defaults every process
 * falls back to on a developer's machine. The runner, the gateway, the infrastructure tool, the
 * benchmarks and the tests read it; tests check docker-compose.yml and deploy/k8s against it.
 */
export const SERVICES = {
  queue: {
    port: 3001,
    // What must survive its Redis: each line's epoch, reserved numbers, head and admissions.
    database: 'queue',
    paths: ['/queue'],
    consumes: [TOPICS.queueCommands, TOPICS.concertEvents],
    produces: [TOPICS.queueEvents],
  },
  concert: {
    port: 3002,
    database: 'concert',
    paths: ['/concerts'],
    consumes: [TOPICS.reservationEvents],
    produces: [TOPICS.concertEvents],
  },
  reservation: {
    port: 3003,
    database: 'reservation',
    paths: ['/reservations'],
    consumes: [TOPICS.reservationCommands, TOPICS.concertEvents],
    produces: [TOPICS.reservationEvents],
  },
  wallet: {
    port: 3004,
    database: 'wallet',
    paths: ['/wallets'],
    consumes: [TOPICS.walletCommands],
    produces: [TOPICS.walletEvents],
  },
  payment: {
    port: 3005,
    database: 'payment',
    paths: ['/payments'],
    consumes: [TOPICS.reservationEvents, TOPICS.walletEvents, TOPICS.queueEvents],
    produces: [
      TOPICS.reservationCommands,
      TOPICS.walletCommands,
      TOPICS.queueCommands,
      TOPICS.paymentEvents,
    ],
  },
} as const satisfies Record<
  string,
  {
    port: number;
    database: string | null;
    paths: string[];
    /** Topics it reads (and whose dead-letter topics it writes): its Kafka user's ACLs. */
    consumes: string[];
    /** Topics it writes. */
    produces: string[];
  }
>;

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** The services that own a Postgres database of their own (each of them, ADR 0024). */
export const DATABASE_SERVICES = SERVICE_NAMES.filter(
  (name) => (SERVICES[name].database as string | null) !== null,
);

export const GATEWAY_PORT = 8080;

/** Where a process looks when nothing is configured: a developer's machine (npm start). */
export const LOCAL_DEFAULTS = {
  /** The server; each service has its own database on it. */
  postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  kafkaBrokers: '127.0.0.1:9092',
  oidcIssuer: 'http://localhost:8090/default',
  oidcAudience: 'ticketing',
} as const;

/** Instance i (0-based) of a service listens on its port + 100·i (npm start, INSTANCES=n). */
export const instancePort = (service: ServiceName, index: number) =>
  SERVICES[service].port + 100 * index;

/**
 * Query parameters that carry a credential (the queue's stream ticket: a browser's EventSource
 * cannot send a header, ADR 0026). Logs and traces write `REDACTED` in their place.
 */
export const CREDENTIAL_QUERY_PARAMS = ['ticket'] as const;

/** A request URL as logs and traces may keep it: every credential parameter's value replaced. */
export function redactedUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0]!;
      return (CREDENTIAL_QUERY_PARAMS as readonly string[]).includes(name)
        ? `${name}=REDACTED`
        : pair;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}
