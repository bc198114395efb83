import { SERVICE_NAMES, type ServiceName } from './routes';
import type { UpstreamPool } from './upstream-pool';

export interface GatewayHealth {
  status: 'ok' | 'degraded' | 'down';
  services: Record<ServiceName, { url: string; ready: boolean }[]>;
}

/**
 * Asks every instance's readiness endpoint at once. The system is `ok` when every instance is
 * ready, `degraded` when each service still has a ready instance (requests are served), and
 * `down` when some service has none.
 */
export async function checkHealth(
  pools: Record<ServiceName, UpstreamPool>,
  timeoutMs = 2000,
): Promise<GatewayHealth> {
  const entries = await Promise.all(
    SERVICE_NAMES.map(async (service) => {
      const instances = await Promise.all(
        pools[service].urls.map(async (url) => ({ url, ready: await isReady(url, timeoutMs) })),
      );
      return [service, instances] as const;
    }),
  );
  const services = Object.fromEntries(entries) as GatewayHealth['services'];
  const all = Object.values(services);
  const status = all.every((list) => list.every((i) => i.ready))
    ? 'ok'
    : all.every((list) => list.some((i) => i.ready))
      ? 'degraded'
      : 'down';
  return { status, services };
}

async function isReady(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}
