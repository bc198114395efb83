import { Database } from '@ticketing/platform';
import { createDb, createLogger, migrate } from '@ticketing/platform/wiring';
import { migrations } from '../../services/queue/dist/migrations';
import { CatalogClient } from '../../services/queue/dist/src/data-access/catalog-client';
import { PgLineJournal } from '../../services/queue/dist/src/data-access/line-journal';
import type { RedisQueueStore } from '../../services/queue/dist/src/data-access/queue-store';
import { KnownConcerts } from '../../services/queue/dist/src/domain/known-concerts';
import { LineDurability } from '../../services/queue/dist/src/domain/line-durability';
import { Liveness } from '../../services/queue/dist/src/domain/liveness';
import { queueMetrics } from '../../services/queue/dist/src/entry-points/metrics';
import { createMetricsRegistry } from '@ticketing/platform/wiring';
import type { BenchContext } from './context';

/**
 * The queue's lines as a scenario that writes to the queue's store directly needs them (a fill
 * through the join's own Redis steps, the admission tick alone): the run's queue database
 * (ADR 0024), where numbers are reserved a block at a time and head moves recorded.
 */
export async function queueLines(ctx: BenchContext, idleMs: number) {
  const knex = createDb({ url: ctx.queueEnv.DATABASE_URL!, applicationName: 'bench-queue' });
  await migrate(knex, migrations);
  const journal = new PgLineJournal(new Database(knex));
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const liveness = new Liveness(idleMs);
  const of = new Map<RedisQueueStore, LineDurability>();
  return {
    journal,
    /** The durable half of a store's lines (each store its own key prefix); no catalog is asked. */
    of(store: RedisQueueStore): LineDurability {
      let durability = of.get(store);
      if (!durability)
        of.set(
          store,
          (durability = new LineDurability(
            store,
            journal,
            new KnownConcerts(store, new CatalogClient([])),
            liveness,
            logger,
            queueMetrics(createMetricsRegistry('bench')),
            { activeTtlMs: 600_000, idleMs },
          )),
        );
      return durability;
    },
    close: () => knex.destroy(),
  };
}

export type QueueLines = Awaited<ReturnType<typeof queueLines>>;
