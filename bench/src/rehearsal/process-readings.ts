import fs from 'node:fs';

/**
 * What a process tells of itself, as the rehearsal's sampler reads it: its resident memory and
 * open descriptors from /proc, and a Node process's heap in use from its /metrics.
 */

const HEAP_USED = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)$/m;

/** A Node process's V8 heap in use, MB, from prom-client's default metrics on its /metrics. */
export async function heapUsedMb(baseUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? heapUsedIn(await res.text()) : undefined;
  } catch {
    return undefined;
  }
}

/** The heap in use (MB, to a tenth) in a Prometheus exposition of Node's default metrics. */
export function heapUsedIn(exposition: string): number | undefined {
  const bytes = HEAP_USED.exec(exposition)?.[1];
  return bytes === undefined ? undefined : Math.round(Number(bytes) / 1e5) / 10;
}

/** A process's resident pages by kind, in kB, in /proc/<pid>/status. */
const RSS_ANON = /RssAnon:\s+(\d+)/;
const RSS_FILE = /RssFile:\s+(\d+)/;
const RSS_SHMEM = /RssShmem:\s+(\d+)/;

/**
 * The resident memory of a component's processes, shared memory counted once: Postgres' backends
 * each map the shared buffers they touched, and a sum of their VmRSS counted those pages once per
 * backend (a soak saw "Postgres +31 %" as its backends touched more buffers, not as growth). Each
 * process's own pages (anonymous and file-backed) are summed; the shared ones are the largest any
 * process maps. For one process, its VmRSS.
 */
export function residentMb(pids: readonly number[], read = readStatus): number {
  let own = 0;
  let shared = 0;
  for (const pid of pids) {
    const status = read(pid);
    if (!status) continue;
    const kb = (field: RegExp) => Number(field.exec(status)?.[1] ?? 0);
    own += kb(RSS_ANON) + kb(RSS_FILE);
    shared = Math.max(shared, kb(RSS_SHMEM));
  }
  return (own + shared) / 1024;
}

function readStatus(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
}

export function fdsOf(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
