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
