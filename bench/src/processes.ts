import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '@ticketing/infra';
import { benchProcessEnv } from './isolation';

export interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  /** CPU seconds (user+system) the process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

let nextPort = 18_000 + Math.floor(Math.random() * 1000);

/** Starts a Node script as its own process (its own core time, not the load generator's). */
export async function startProcess(
  name: string,
  script: string,
  env: Record<string, string> = {},
  readyPath = '/health/live',
  /** The variable the program reads its port from. */
  portVariable = 'PORT',
): Promise<Proc> {
  const port = nextPort++;
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
    stdio: ['ignore', 'pipe', 'inherit'],
  });
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
