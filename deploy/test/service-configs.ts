import type { z } from 'zod';
import { ConfigError } from '@ticketing/platform';
import { TELEMETRY_VARIABLES } from '@ticketing/telemetry';
import { gatewayConfigShape, loadGatewayConfig } from '../../gateway/src/config';
import * as concert from '../../services/concert/src/config';
import * as payment from '../../services/payment/src/config';
import * as queue from '../../services/queue/src/config';
import * as reservation from '../../services/reservation/src/config';
import * as wallet from '../../services/wallet/src/config';

export { SERVICE_NAMES, SERVICES, type ServiceName } from '@ticketing/contracts';
import type { ServiceName } from '@ticketing/contracts';

type Loader = (env: Record<string, string | undefined>) => unknown;

/** What each deployable program reads from its environment, and its validating loader. */
export const PROGRAMS: Record<ServiceName | 'gateway', { variables: string[]; load: Loader }> = {
  queue: { variables: keys(queue.configShape), load: queue.loadServiceConfig },
  concert: { variables: keys(concert.configShape), load: concert.loadServiceConfig },
  reservation: { variables: keys(reservation.configShape), load: reservation.loadServiceConfig },
  wallet: { variables: keys(wallet.configShape), load: wallet.loadServiceConfig },
  payment: { variables: keys(payment.configShape), load: payment.loadServiceConfig },
  gateway: { variables: keys(gatewayConfigShape), load: loadGatewayConfig },
};

/** Read by every process outside its config shape: the logger's output format, tracing. */
// NODE_ENV: production mode (the image's default) refuses example secrets (libs/platform/src/secrets.ts).
export const PROCESS_WIDE = ['LOG_FORMAT', 'NODE_ENV', ...TELEMETRY_VARIABLES];

/** The variables a program cannot start without (no default). */
export function requiredVariables(load: Loader): string[] {
  try {
    load({});
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((p) => p.variable);
  }
}

function keys(shape: z.ZodRawShape): string[] {
  return Object.keys(shape);
}

/** The public paths of API.md (a copy in docs/; a test keeps it equal to the design's). */
export function apiPaths(markdown: string): { method: string; path: string }[] {
  const found = [...markdown.matchAll(/`(GET|POST|DELETE|PUT|PATCH) (\/[^`\s]*)/g)];
  return (
    found
      // A query string (`/reservations?status=CONFIRMED`) is not part of what routes a request.
      .map((m) => ({ method: m[1]!, path: m[2]!.split('?', 1)[0]! }))
      .filter(
        (p) => !p.path.startsWith('/health') && p.path !== '/metrics' && p.path !== '/openapi.json',
      )
  );
}

/** A concrete request path for a templated one: `/payments/{paymentId}` → `/payments/x1`. */
export const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'x1');
