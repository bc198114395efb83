import fs from 'node:fs';
import path from 'node:path';
import { INFRA_DIR } from '@ticketing/infra';
import type { Sale } from './sale';

// The recovery table of the infrastructure's faults (docs/operations.md): what each fault cost
// the sale, as infrastructure-faults.int.test.ts measures it.

export interface RecoveryRow {
  fault: string;
  calls: number;
  seen: string;
  longestPaymentMs: number;
  /** What the fault must cost the slowest payment (fault-costs.ts). */
  boundMs: number;
  medianPaymentMs: number;
  caughtUpMs: number | undefined;
  /** Where the slowest payment waited (the saga's steps, in seconds from its request). */
  slowestSaga: string;
}

/** What fans' apps were answered: the 5xx by status, the rest as "ok". */
export function seenByClients(sale: Sale): string {
  const errors = new Map<string, number>();
  for (const c of sale.calls)
    if (c.status >= 500) {
      const key = `${c.status === 599 ? 'no answer' : c.status} (${c.call}${c.safe ? '' : ', not keyed'})`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
  return errors.size === 0
    ? 'no error'
    : [...errors.entries()].map(([what, n]) => `${n} × ${what}`).join('; ');
}

/** The table, printed and written to .infra/reports/infrastructure-faults.md. */
export function report(rows: RecoveryRow[]): void {
  const lines = [
    '| fault | calls | what clients saw | longest payment (bound) | median payment | consumers caught up |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.fault} | ${r.calls} | ${r.seen} | ${(r.longestPaymentMs / 1000).toFixed(1)} s (${(r.boundMs / 1000).toFixed(0)} s) | ${(r.medianPaymentMs / 1000).toFixed(2)} s | ${r.caughtUpMs === undefined ? 'not within the run' : `${(r.caughtUpMs / 1000).toFixed(1)} s after the fault`} |`,
    ),
  ];
  const table = [
    ...lines,
    '',
    'The slowest payment of each fault:',
    ...rows.map((r) => `- ${r.fault}: ${r.slowestSaga}`),
  ].join('\n');
  const file = path.join(INFRA_DIR, 'reports', 'infrastructure-faults.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${table}\n`);
  process.stdout.write(`\nRecovery per fault (also in ${file}):\n${table}\n`);
}
