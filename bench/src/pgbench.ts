import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { which } from '@ticketing/infra';
import type { LoadResult } from './load';

/** pgbench with a custom script: the database's own ceiling for a statement, same machine, same run. */
export function pgbench(
  label: string,
  databaseUrl: string,
  script: string,
  clients: number,
  seconds: number,
): LoadResult | undefined {
  const bin = which('pgbench', ['/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin']);
  if (!bin) return undefined;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pgbench-')), 'script.sql');
  fs.writeFileSync(file, script);
  const res = spawnSync(
    bin,
    ['-n', '-r', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', file, databaseUrl],
    { encoding: 'utf8' },
  );
  const tps = /tps = ([\d.]+)/.exec(res.stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(res.stdout)?.[1];
  if (!tps) throw new Error(`pgbench failed: ${res.stderr || res.stdout}`);
  return {
    label,
    requestsPerSecond: Math.round(Number(tps)),
    p50Ms: Number(latency), // pgbench reports the mean; shown in the p50 column
    p99Ms: Number.NaN,
    non2xx: 0,
    errors: 0,
    total: Math.round(Number(tps) * seconds),
    generatorCpuSeconds: Number.NaN,
    durationSeconds: seconds,
  };
}

/** pgbench runs of several scripts against one database, with one connection count and duration. */
export const pgbenchOn =
  (databaseUrl: string, connections: number, seconds: number) => (label: string, script: string) =>
    pgbench(`pgbench ${label}, ${connections} conns`, databaseUrl, script, connections, seconds);
