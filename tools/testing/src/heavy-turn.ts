import fs from 'node:fs';
import path from 'node:path';

// The checkout's own place for what its tests start (tools/testing/src → the root's .infra).
const LOCK = path.join(
  process.env.INFRA_DIR ?? path.resolve(__dirname, '..', '..', '..', '.infra'),
  'heavy-turn',
);

/** How long a heavy file waits for its turn: the fault suite took 687 s on a slow VM. */
export const HEAVY_TURN_WAIT_MS = 30 * 60_000;

/**
 * One heavy test file at a time on this machine (`@heavy`, tools/testing/slow-first-sequencer.js).
 * The sequencer puts them apart in its order, but jest hands the next file to whichever worker
 * is free: a worker that ran out of lighter files started the rehearsal beside the fault suite,
 * and both starved on two cores (a restarted broker not serving within 120 s, a payment instance
 * not ready within 60 s). Waits (polling, up to `timeoutMs`) until no other process holds the
 * turn, takes it, and returns its release. The turn is a directory made atomically, naming its
 * holder's pid; one whose holder died is taken over.
 */
export async function heavyTurn(
  what: string,
  { timeoutMs = HEAVY_TURN_WAIT_MS, lock = LOCK }: { timeoutMs?: number; lock?: string } = {},
): Promise<() => void> {
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'holder'), `${process.pid} ${what}\n`);
      return () => fs.rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readHolder(lock);
    // Its holder died without releasing it (or before naming itself, seconds ago).
    if (holder ? !alive(holder.pid) : olderThan(lock, 10_000)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: another heavy test file (${holder?.what ?? 'unknown'}) held the machine for over ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The holder as it wrote itself; undefined while it is still writing (the next look sees it). */
function readHolder(lock: string): { pid: number; what: string } | undefined {
  try {
    const [pid, ...what] = fs.readFileSync(path.join(lock, 'holder'), 'utf8').trim().split(' ');
    return { pid: Number(pid), what: what.join(' ') };
  } catch {
    return undefined;
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false; // gone meanwhile: the next try takes it
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
