import fs from 'node:fs';
import path from 'node:path';

// The checkout's own place for what its tests start (tools/testing/src → the root's .infra).
const TURNS = path.join(
  process.env.INFRA_DIR ?? path.resolve(__dirname, '..', '..', '..', '.infra'),
  'machine-turn',
);

/** How long a file waits for its turn: the fault suite took 687 s on a slow VM. */
export const HEAVY_TURN_WAIT_MS = 30 * 60_000;

const LOOK_EVERY_MS = 250;

export interface TurnOptions {
  timeoutMs?: number;
  /** Where the turns are kept (a test of this file gives its own). */
  dir?: string;
}

/**
 * A heavy test file (`@heavy`, tools/testing/slow-first-sequencer.js) has the machine to itself:
 * no other heavy file and no lighter integration file beside it. The sequencer runs them last,
 * but jest hands the next file to whichever worker is free: the rehearsal started beside the
 * fault suite, and lighter files ran beside it on two cores, until a restarted broker did not
 * serve within 120 s, a payment instance was not ready within 60 s and a join took 3.6 s (503).
 * Takes the heavy turn (one holder at a time), then waits until the lighter files running finish
 * (none starts meanwhile); returns its release. Turns are files made atomically, naming their
 * holder's pid; one whose holder died is taken over.
 */
export async function heavyTurn(what: string, options: TurnOptions = {}): Promise<() => void> {
  const { heavy, light } = turnsIn(options.dir);
  const deadline = Date.now() + (options.timeoutMs ?? HEAVY_TURN_WAIT_MS);
  for (;;) {
    try {
      fs.mkdirSync(heavy);
      writeTurn(path.join(heavy, 'holder'), what);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    await waitOrFail(what, heavyHolder(heavy), deadline, options);
  }
  // Only its own: a turn taken over from this process (thought dead) is not released by it.
  const release = () => {
    if (readTurn(path.join(heavy, 'holder'))?.pid === process.pid)
      fs.rmSync(heavy, { recursive: true, force: true });
  };
  try {
    for (;;) {
      const running = liveHolders(light);
      if (running.length === 0) return release;
      await waitOrFail(what, running[0], deadline, options);
    }
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * A lighter integration file's turn: any number at once, none while a heavy file holds the
 * machine (it waits for it to end). Returns its release.
 */
export async function lightTurn(what: string, options: TurnOptions = {}): Promise<() => void> {
  const { heavy, light } = turnsIn(options.dir);
  const deadline = Date.now() + (options.timeoutMs ?? HEAVY_TURN_WAIT_MS);
  const mine = path.join(light, `${process.pid}-${Math.random().toString(36).slice(2)}`);
  for (;;) {
    const holder = heavyHolder(heavy);
    if (!holder) {
      writeTurn(mine, what);
      // A heavy file that took its turn meanwhile waits for this one: it may go first.
      if (!heavyHolder(heavy)) return () => fs.rmSync(mine, { force: true });
      fs.rmSync(mine, { force: true });
    }
    await waitOrFail(what, holder ?? heavyHolder(heavy), deadline, options);
  }
}

function turnsIn(dir = TURNS) {
  const turns = { heavy: path.join(dir, 'heavy'), light: path.join(dir, 'light') };
  fs.mkdirSync(turns.light, { recursive: true });
  return turns;
}

async function waitOrFail(
  what: string,
  holder: string | undefined,
  deadline: number,
  options: TurnOptions,
): Promise<void> {
  if (Date.now() > deadline)
    throw new Error(
      `${what}: another test file (${holder ?? 'unknown'}) held the machine for over ${(options.timeoutMs ?? HEAVY_TURN_WAIT_MS) / 1000} s`,
    );
  await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
}

/** What holds the heavy turn, if a live process does (a dead holder's turn is removed). */
function heavyHolder(heavy: string): string | undefined {
  const holder = readTurn(path.join(heavy, 'holder'));
  // Its holder died without releasing it (or before naming itself, seconds ago).
  const stale = holder ? !alive(holder.pid) : olderThan(heavy, 10_000);
  if (stale) fs.rmSync(heavy, { recursive: true, force: true });
  if (stale || !fs.existsSync(heavy)) return undefined;
  return holder?.what ?? 'a heavy file';
}

/** The lighter files running now (the turns of dead processes removed). */
function liveHolders(light: string): string[] {
  const holders: string[] = [];
  for (const name of fs.readdirSync(light)) {
    const turn = readTurn(path.join(light, name));
    if (turn && !alive(turn.pid)) fs.rmSync(path.join(light, name), { force: true });
    else if (turn) holders.push(turn.what);
  }
  return holders;
}

/** Written whole or not at all (a reader never sees half a turn). */
function writeTurn(file: string, what: string): void {
  const writing = `${file}.${process.pid}.writing`;
  fs.writeFileSync(writing, `${process.pid} ${what}\n`);
  fs.renameSync(writing, file);
}

function readTurn(file: string): { pid: number; what: string } | undefined {
  if (file.endsWith('.writing')) return undefined;
  try {
    const [pid, ...what] = fs.readFileSync(file, 'utf8').trim().split(' ');
    return Number.isInteger(Number(pid)) ? { pid: Number(pid), what: what.join(' ') } : undefined;
  } catch {
    return undefined;
  }
}

function olderThan(file: string, ms: number): boolean {
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ms;
  } catch {
    return false; // gone meanwhile: the next look takes it
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
