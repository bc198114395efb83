import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { becomesTrue } from '@ticketing/platform';

export function which(cmd: string, extraDirs: string[] = []): string | undefined {
  for (const dir of [...extraDirs, ...(process.env.PATH ?? '').split(':')]) {
    const candidate = `${dir}/${cmd}`;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export function run(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (res.error) throw res.error;
  if (res.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${res.status}: ${String(res.stderr ?? '').slice(-2000)}`,
    );
  }
  return String(res.stdout ?? '');
}

/** Starts a long-running process that outlives this one, logging to `logFile`. */
export function spawnDetached(
  cmd: string,
  args: string[],
  logFile: string,
  cwd?: string,
  env: Record<string, string> = {},
): number {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ['ignore', out, out],
    cwd,
    env: { ...process.env, ...env },
  });
  child.unref();
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const up = await becomesTrue(() => check().catch(() => false), {
    timeoutMs,
    intervalMs: 250,
  });
  if (!up) throw new Error(`${what} did not come up within ${timeoutMs / 1000}s`);
}

/**
 * SIGTERM, then SIGKILL after `timeoutMs`; returns once the process is gone, since what starts
 * next on its ports or its data (a lock file) must not meet it still there.
 */
export async function stopPid(pid: number, timeoutMs = 20_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  if (await becomesTrue(() => !isAlive(pid), { timeoutMs, intervalMs: 200 })) return;
  process.kill(pid, 'SIGKILL');
  // A zombie whose parent does not reap it stays "alive" to kill(0): give up after 10 s.
  await becomesTrue(() => !isAlive(pid), { timeoutMs: 10_000, intervalMs: 100 });
}

/**
 * Waits, as `waitFor` does, until `check` passes for a process just started (`pid`, logging to
 * `logFile`). A process that exits meanwhile fails the wait at once; either failure carries the
 * end of its log, which says why.
 */
export async function waitForProcess(
  what: string,
  pid: number,
  logFile: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  const up = await becomesTrue(
    async () => {
      exited = !isAlive(pid);
      return exited || (await check().catch(() => false));
    },
    { timeoutMs, intervalMs: 250 },
  );
  if (up && !exited) return;
  const why = exited ? 'exited while starting' : `did not come up within ${timeoutMs / 1000}s`;
  throw new Error(`${what} ${why}; the end of its log:\n${lastLines(logFile)}`);
}

/** The last `count` lines of a log file, for an error that says why a process did not start. */
export function lastLines(file: string, count = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/**
 * A TCP port free on loopback right now (and its `count - 1` successors), below the kernel's
 * range for outgoing connections (`ip_local_port_range`). A port from `listen(0)` lies in that
 * range, where any process's client socket may take it between our close and the program's own
 * bind (EADDRINUSE in a loaded test run); below it, only another caller choosing the same way
 * can, at random among thousands, and a program that starts on it retries on EADDRINUSE.
 */
export async function freePort(count = 1): Promise<number> {
  const low = ephemeralLow();
  const from = 10_000;
  const to = low - count;
  if (to - from < 1_000) return kernelPort(); // an unusual range: nothing below it to choose from
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (!fetchAllows(port, count)) continue;
    let free = true;
    for (let i = 0; i < count && free; i++) free = await isFree(port + i);
    if (free) return port;
  }
  throw new Error(`no ${count} free port(s) between ${from} and ${to}`);
}

// fetch refuses the Fetch standard's "bad ports" (undici: "bad port"); at 10,000 and above that
// is 10080 alone. A test harness once drew it for a service, and its readiness check failed.
const FETCH_BAD_PORTS_ABOVE_10000 = [10_080];

/** Whether `count` ports from `port` can all be reached with fetch. */
export function fetchAllows(port: number, count = 1): boolean {
  return !FETCH_BAD_PORTS_ABOVE_10000.some((bad) => bad >= port && bad < port + count);
}

function ephemeralLow(): number {
  try {
    const [low] = fs
      .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/);
    return Number(low) || 32_768;
  } catch {
    return 32_768; // Linux's default; other systems pick theirs higher
  }
}

/** Whether nothing listens on `port` of loopback right now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Whether the TCP socket listening on `port` belongs to process `pid` (Linux: /proc/net/tcp and
 * the process's descriptors); undefined where /proc cannot tell. An answer on a port proves
 * nothing by itself: another program may have bound it first.
 */
export function listenerOwnedBy(pid: number, port: number): boolean | undefined {
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    readable = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st … inode: the port in hex, LISTEN is state 0A.
      const fields = line.trim().split(/\s+/);
      const localPort = fields[1]?.split(':').at(-1);
      if (fields[3] === '0A' && localPort && parseInt(localPort, 16) === port)
        inodes.add(fields[9]!);
    }
  }
  if (!readable) return undefined;
  let descriptors: string[];
  try {
    descriptors = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone
  }
  return descriptors.some((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
    } catch {
      return false; // closed meanwhile
    }
  });
}

/**
 * Whether process `pid` handles `signal` now (Linux: SigCgt in /proc/<pid>/status); undefined
 * where /proc cannot tell. A signal sent before its handler is installed takes its default
 * action, which for most signals ends the process.
 */
export function catchesSignal(pid: number, signal: NodeJS.Signals): boolean | undefined {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (caught === undefined) return undefined;
  return ((BigInt(`0x${caught}`) >> BigInt(os.constants.signals[signal] - 1)) & 1n) === 1n;
}

async function kernelPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}
