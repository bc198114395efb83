import type { Logger } from '@ticketing/platform';
import { loadGatewayConfig } from '../src/config';
import { start } from '../src/start';
import { Upstream } from './upstream';

/** How long the gateway holds a request while no instance can take it. */
export const HOLD_MS = 1500;

/**
 * A gateway in front of two reservation instances (`a`, `b`) and one instance of every other
 * service (`others`), with a 1 s deadline, a short hold and a 2 kB body limit; no budgets
 * (rate-limit.int has them).
 */
export async function twoInstancesBehindAGateway(logger: Logger) {
  const a = await new Upstream('a').start();
  const b = await new Upstream('b').start();
  const others = await new Upstream('others').start();
  const gateway = await start(
    loadGatewayConfig({
      GATEWAY_PORT: '0',
      GATEWAY_UPSTREAM_TIMEOUT_MS: '1000',
      GATEWAY_UPSTREAM_HOLD_MS: String(HOLD_MS),
      GATEWAY_MAX_BODY_BYTES: '2048',
      GATEWAY_RATE_LIMIT: 'false', // rate-limit.int has the budgets
      RESERVATION_URLS: `${a.url},${b.url}`,
      QUEUE_URLS: others.url,
      CONCERT_URLS: others.url,
      WALLET_URLS: others.url,
      PAYMENT_URLS: others.url,
    }),
    { logger },
  );
  return { a, b, others, gateway };
}
