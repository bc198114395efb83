import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { NodeProgram, adopt, serviceScript, type LineSink } from '@ticketing/launcher';
import { benchProcessEnv } from './isolation';

export interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  /** CPU seconds (user+system) the process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/**
 * A child of the bench (started with stderr piped): killed when the bench ends, its errors shown
 * on the bench's stderr.
 */
export function owned(child: ChildProcess): ChildProcess {
  adopt(child); // killed with the bench, however it ends, as the launcher's programs are
  // Written on, not piped: a pipe adds listeners to the bench's stderr per child (dozens here).
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

/** Node's own flags for what a benchmark runs: BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
export const benchNodeArgs = () => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** A process's errors reach the bench's stderr (its JSON logs stay out of the report). */
export const toBenchStderr: LineSink = (_label, line, stream) => {
  if (stream === 'stderr') process.stderr.write(`${line}\n`);
};

/** A program the launcher started, as the bench measures it. */
export function procOf(program: NodeProgram, name = program.label): Proc {
  return {
    name,
    url: program.url,
    child: program.child!,
    cpuSeconds: () => program.cpuSeconds(),
    stop: () => program.stop(),
  };
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
  const program = new NodeProgram({
    label: name,
    script,
    env: { LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    portVariable,
    readyPath,
    anyAnswer: true,
    inheritEnv: true,
    nodeArgs: benchNodeArgs(),
    sink: toBenchStderr,
  });
  // The launcher's own wait (60 s): a process started beside a busy run (the test suite's) took
  // more than 30 s to be ready on the slowest VM.
  await program.launch();
  return procOf(program, name);
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

export const serviceMain = serviceScript;
export const benchServer = (name: string) => path.join(__dirname, 'servers', `${name}.js`);
