import fs from 'node:fs';

const WAIT_STEP_MS = 250;
// Longer than any resolution takes (Maven fetching Kafka's jars: a minute or two): a lock this
// old was left by a process that died holding it.
const STALE_LOCK_MS = 15 * 60_000;

/**
 * Runs `work` once across processes: the first to take `lock` (a directory: its creation is
 * atomic) does it and leaves `marker`; the others wait until the marker is there. Several test
 * files start their own brokers at once, and each would otherwise resolve the same jars into
 * the same folder, one deleting what the other was copying.
 */
export function onceAcrossProcesses(marker: string, lock: string, work: () => void): void {
  for (;;) {
    if (fs.existsSync(marker)) return;
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (isStale(lock)) fs.rmSync(lock, { recursive: true, force: true });
    else sleepSync(WAIT_STEP_MS);
  }
  try {
    if (!fs.existsSync(marker)) work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

function isStale(lock: string): boolean {
  try {
    return Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false; // released meanwhile
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
