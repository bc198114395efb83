import fs from 'node:fs';

/** Whole-machine CPU ticks (busy, total) from /proc/stat. */
function ticks(): { busy: number; total: number } {
  const fields = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = fields[3]! + (fields[4] ?? 0); // idle + iowait
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Measures how busy the whole machine (all cores) was while `work` ran. */
export async function withMachineCpu<T>(
  work: () => Promise<T>,
): Promise<{ result: T; busyPercent: number }> {
  const before = ticks();
  const result = await work();
  const after = ticks();
  const busyPercent = Math.round(
    (100 * (after.busy - before.busy)) / Math.max(1, after.total - before.total),
  );
  return { result, busyPercent };
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; 0 if it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids whose command line contains `pattern` (e.g. every postgres backend, the Kafka JVM). */
export function pidsMatching(pattern: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(pattern);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Each group's processes and the CPU seconds each had used when it was taken. */
export type CpuSnapshot = Record<string, Map<number, number>>;

/**
 * What every process of the groups has used so far; `cpuSecondsBetween` turns two of them into
 * seconds per group. A pid that starts later counts from 0, one that ends is lost.
 */
export function cpuSnapshot(groups: Record<string, () => number[]>): CpuSnapshot {
  return Object.fromEntries(
    Object.entries(groups).map(([name, pids]) => [
      name,
      new Map(pids().map((p) => [p, processCpuSeconds(p)] as const)),
    ]),
  );
}

/** CPU seconds per group between two snapshots (rounded to the ticks /proc counts in). */
export function cpuSecondsBetween(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((k) => {
      let used = 0;
      for (const [pid, cpu] of after[k]!) used += Math.max(0, cpu - (before[k]?.get(pid) ?? 0));
      return [k, Number(used.toFixed(2))];
    }),
  );
}

/** CPU seconds used by named groups of processes while `work` ran. */
export async function cpuBreakdown<T>(
  groups: Record<string, () => number[]>,
  work: () => Promise<T>,
): Promise<{ result: T; seconds: Record<string, number> }> {
  const before = cpuSnapshot(groups);
  const self = process.cpuUsage();
  const result = await work();
  const seconds = cpuSecondsBetween(before, cpuSnapshot(groups));
  const generator = process.cpuUsage(self);
  seconds.generator = Number(((generator.user + generator.system) / 1e6).toFixed(2));
  return { result, seconds };
}
