import { Counter, type Registry } from 'prom-client';
import type { Queryable } from './database';
import { metricOnce } from './metrics';

/** How much one round may delete: `size` rows per statement, at most `batches` statements. */
export interface RetentionBatches {
  size: number;
  batches: number;
}

export const DEFAULT_BATCHES: RetentionBatches = { size: 5000, batches: 50 };

/**
 * Deletes, `size` rows per statement, the rows `candidates` selects (a `select ctid … limit $n`
 * whose limit is the last parameter), until a statement deletes fewer than `size` or `batches`
 * statements ran: a round never holds locks on more than one batch, and never runs unbounded.
 */
export async function deleteInBatches(
  db: Queryable,
  table: string,
  candidates: string,
  params: unknown[],
  { size, batches }: RetentionBatches = DEFAULT_BATCHES,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < batches; i++) {
    const rows = await db.query(
      `delete from ${table} where ctid = any(array(${candidates})) returning 1`,
      [...params, size],
    );
    deleted += rows.length;
    if (rows.length < size) break;
  }
  return deleted;
}

/** `retention_deleted_rows_total{table}`: what the retention tasks deleted (one per registry). */
export function retentionDeletions(metrics: Registry): Counter<'table'> {
  const name = 'retention_deleted_rows_total';
  return metricOnce(
    metrics,
    name,
    () =>
      new Counter({
        name,
        help: 'Rows deleted by the retention tasks, by table',
        labelNames: ['table'],
        registers: [metrics],
      }),
  );
}
