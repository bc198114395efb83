import { Database } from '@ticketing/platform';
import { createDb, createLogger, createMetricsRegistry, migrate } from '@ticketing/platform/wiring';
import { migrations } from '../../services/queue/dist/migrations';
import { CatalogClient } from '../../services/queue/dist/src/data-access/catalog-client';
import { PgLineJournal } from '../../services/queue/dist/src/data-access/line-journal';
import type { RedisQueueStore } from '../../services/queue/dist/src/data-access/queue-store';
import { KnownConcerts } from '../../services/queue/dist/src/domain/known-concerts';
import { LineDurability } from '../../services/queue/dist/src/domain/line-durability';
import { Liveness } from '../../services/queue/dist/src/domain/liveness';
import { queueMetrics } from '../../services/queue/dist/src/entry-points/metrics';
import type { BenchContext } from './context';

// Until when the admitted of a head move are active, as Postgres records it (the ticks' own).
const ACTIVE_TTL_MS = 600_000;

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
  const metrics = queueMetrics(createMetricsRegistry('bench'));
  const of = new Map<RedisQueueStore, LineDurability>();
  return {
    journal,
    /**
     * The lines of a store (each store its own key prefix), their durability as the service
     * wires it: what a fill takes numbers from and the admission ticker records head moves
     * with; no catalog is asked.
     */
    of(store: RedisQueueStore): LineDurability {
      let lines = of.get(store);
      if (!lines)
        of.set(
          store,
          (lines = new LineDurability(
            store,
            journal,
            new KnownConcerts(store, new CatalogClient([])),
            liveness,
            logger,
            metrics,
            { activeTtlMs: ACTIVE_TTL_MS, idleMs },
          )),
        );
      return lines;
    },
    /** What the admission ticker keeps and asks beyond Redis, for a store. */
    durable(store: RedisQueueStore): LineDurability {
      return this.of(store);
    },
    close: () => knex.destroy(),
  };
}

export type QueueLines = Awaited<ReturnType<typeof queueLines>>;
