import fs from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load';

export interface Row {
  scenario: string;
  /** A load run's figures; a row without one reports a single figure in `value`. */
  measured?: LoadResult;
  value?: string;
  ceiling?: LoadResult;
  /** What the issue asked for, in words (e.g. "≥ 50% of express"). */
  target?: string;
  /** Whether the target was met, when it can be judged from the numbers. */
  met?: boolean;
  notes?: string;
}

const ratio = (row: Row) =>
  row.measured && row.ceiling && row.ceiling.requestsPerSecond > 0
    ? `${((100 * row.measured.requestsPerSecond) / row.ceiling.requestsPerSecond).toFixed(0)}%`
    : '';

export function markdown(rows: Row[], header: string): string {
  const lines = [
    header,
    '',
    '| scenario | req/s | p50 ms | p99 ms | errors/non-2xx | ceiling | ceiling req/s | ceiling p99 ms | ratio | target | generator CPU s | notes |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | --- |',
  ];
  for (const r of rows) {
    const m = r.measured;
    const load = m
      ? `${m.requestsPerSecond} | ${m.p50Ms} | ${m.p99Ms} | ${m.errors}/${m.non2xx}`
      : `${r.value ?? ''} | | |`;
    lines.push(
      `| ${r.scenario} | ${load} | ${r.ceiling?.label ?? ''} | ${r.ceiling?.requestsPerSecond ?? ''} | ${r.ceiling?.p99Ms ?? ''} | ${ratio(r)} | ${r.target ?? ''}${r.met === undefined ? '' : r.met ? ' ✔' : ' ✘'} | ${m?.generatorCpuSeconds ?? ''} |${r.notes ? ` ${r.notes} |` : ''}`,
    );
  }
  return lines.join('\n');
}

export function writeResults(
  dir: string,
  rows: Row[],
  meta: Record<string, unknown>,
  table: string,
): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*/, '');
  const file = path.join(dir, `${stamp}${meta.smoke ? '-smoke' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, rows }, null, 2));
  fs.writeFileSync(file.replace(/\.json$/, '.md'), `${table}\n`);
  return file;
}
