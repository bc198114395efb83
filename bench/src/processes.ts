import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, freePort } from '@ticketing/infra';
import { benchProcessEnv } from './isolation';

export interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  /** CPU seconds (user+system) the process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Every process started and not yet stopped: they go with the bench, however it ends. */
const LIVE = new Set<ChildProcess>();
const stopAll = () => {
  for (const child of LIVE) child.kill('SIGKILL');
};
process.once('exit', stopAll);
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => {
    stopAll();
    process.exit(1);
  });

/**
 * A child of the bench (started with stderr piped): killed when the bench ends, its errors shown
 * on the bench's stderr.
 */
export function owned(child: ChildProcess): ChildProcess {
  LIVE.add(child);
  child.once('exit', () => LIVE.delete(child));
  // Written on, not piped: a pipe adds listeners to the bench's stderr per child (dozens here).
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

/** Starts a Node script as its own process (its own core time, not the load generator's). */
export async function startProcess(
  name: string,
  script: string,
  env: Record<string, string> = {},
  readyPath = '/health/live',
  /** The variable the program reads its port from. */
  portVariable = 'PORT',
): Promise<Proc> {
  // A port free now: a process left by another run on a port chosen blindly answered the
  // readiness check in place of the one just started.
  const port = await freePort();
  // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the processes under test.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn('node', [...nodeArgs, script], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      ...env,
      [portVariable]: String(port),
    },
    // stderr through the bench, not inherited: a process the bench leaves behind must not hold
    // the caller's pipe open (the smoke test waits for it to close).
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  owned(child);
  const url = `http://127.0.0.1:${port}`;
  child.stdout!.resume();
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}`);
    const ok = await fetch(`${url}${readyPath}`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    url,
    child,
    cpuSeconds: () => procCpuSeconds(child.pid!),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `count` processes of one program: what `INSTANCES=n` runs; load is spread over `urls`. */
export interface Instances {
  name: string;
  procs: Proc[];
  urls: string[];
  stop(): Promise<void>;
}

export async function startInstances(
  name: string,
  script: string,
  env: Record<string, string>,
  count: number,
  readyPath?: string,
  portVariable?: string,
): Promise<Instances> {
  const procs: Proc[] = [];
  const processEnv = benchProcessEnv(name, script, env);
  try {
    for (let i = 0; i < count; i++)
      procs.push(
        await startProcess(
          count > 1 ? `${name}-${i + 1}` : name,
          script,
          processEnv,
          readyPath,
          portVariable,
        ),
      );
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()));
    throw err;
  }
  return {
    name,
    procs,
    urls: procs.map((p) => p.url),
    stop: async () => {
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}

export const serviceMain = (service: string) =>
  path.join(ROOT, 'services', service, 'dist/src/main.js');
export const benchServer = (name: string) => path.join(__dirname, 'servers', `${name}.js`);

function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return Number.NaN;
  }
}
