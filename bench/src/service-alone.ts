import type { ServiceName } from '@ticketing/contracts';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import type { BenchContext } from './context';
import { serviceMain, startInstances, type Instances } from './processes';
import { uniqueStamp } from './stamps';

/**
 * One service of the product alone (no gateway, no other service), on a database and a consumer
 * group of its own named by `stamp`, with the bench's pool size and `env` besides; `stop` ends it
 * and drops its database.
 */
export async function serviceAlone(
  ctx: BenchContext,
  name: ServiceName,
  options: { stamp?: number; env?: Record<string, string> } = {},
): Promise<{ service: Instances; databaseUrl: string; stop: () => Promise<void> }> {
  const stamp = options.stamp ?? uniqueStamp();
  const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_${name}_${stamp}`);
  await ensureDatabase(databaseUrl);
  const service = await startInstances(
    name,
    serviceMain(name),
    {
      ...ctx.serviceEnv,
      ...options.env,
      DATABASE_URL: databaseUrl,
      KAFKA_CONSUMER_GROUP: `bench-${name}-${stamp}`,
      DB_POOL_MAX: String(ctx.poolSize),
    },
    ctx.instances,
  );
  const stop = async () => {
    await service.stop();
    await dropDatabase(databaseUrl).catch(() => undefined);
  };
  return { service, databaseUrl, stop };
}
