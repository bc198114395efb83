import pg from 'pg';
import type { BenchContext } from '../context';
import type { Row } from '../report';
import type { BenchSystem } from '../system';
import { runSagas } from './saga';

/** The tables that grow with traffic, per database. */
const TABLES: Record<string, string[]> = {
  payment: ['inbox', 'outbox', 'saga_steps', 'payments'],
  reservation: ['inbox', 'outbox', 'reservations'],
  wallet: ['inbox', 'outbox', 'idempotency_keys', 'ledger'],
  concert: ['inbox', 'outbox'],
};

/**
 * Bounded storage (issue: "storage grows forever"): sagas at a steady rate for
 * BENCH_RETENTION_SECONDS (default 600), with retention windows of two minutes
 * (INBOX_RETENTION_MINUTES, SAGA_TIMELINE_RETENTION_MINUTES) instead of days, then the rows
 * each table keeps next to what the retention tasks deleted. Business records (payments,
 * reservations, the wallet's ledger) are kept by design and grow with sales.
 */
export async function retentionScenario(ctx: BenchContext): Promise<Row[]> {
  const seconds = ctx.smoke ? 5 : Number(process.env.BENCH_RETENTION_SECONDS ?? 600);
  const rate = Number(process.env.BENCH_RETENTION_RATE ?? 20);
  const run = await runSagas(ctx, {
    rates: [rate],
    warmUp: 0,
    seconds,
    summary: false,
    label: `steady for ${seconds} s, retention windows 2 min`,
    extraEnv: {
      INBOX_RETENTION_MINUTES: '2',
      SAGA_TIMELINE_RETENTION_MINUTES: '2',
      RETENTION_INTERVAL_MS: '10000',
    },
    inspect: (system) => rowsKept(system),
  });
  return run.rows;
}

async function rowsKept(system: BenchSystem): Promise<Row[]> {
  const deleted = await deletedByRetention(system);
  const rows: Row[] = [];
  for (const [service, tables] of Object.entries(TABLES)) {
    const url = system.databases[service as keyof typeof system.databases];
    if (!url) continue;
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      for (const table of tables) {
        const { rows: counted } = await db.query<{ n: string }>(
          `select count(*)::bigint as n from ${table}`,
        );
        const gone = deleted[`${service}/${table}`] ?? 0;
        rows.push({
          scenario: `retention: ${service}.${table} rows kept after the run`,
          value: `${Number(counted[0]!.n).toLocaleString('en')}`,
          notes: ['payments', 'reservations', 'ledger'].includes(table)
            ? 'business records: kept for good'
            : `deleted by retention during the run: ${gone.toLocaleString('en')}`,
        });
      }
    } finally {
      await db.end();
    }
  }
  return rows;
}

/** `retention_deleted_rows_total` summed over every instance of each service. */
async function deletedByRetention(system: BenchSystem): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [service, instances] of Object.entries(system.services))
    for (const url of instances.urls) {
      const text = await (await fetch(`${url}/metrics`)).text();
      for (const m of text.matchAll(
        /^retention_deleted_rows_total\{[^}]*table="(\w+)"[^}]*\} (\d+)/gm,
      ))
        out[`${service}/${m[1]}`] = (out[`${service}/${m[1]}`] ?? 0) + Number(m[2]);
    }
  return out;
}
