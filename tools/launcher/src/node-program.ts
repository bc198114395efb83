import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import { compileCacheEnv, freePort, listenerOwnedBy } from '@ticketing/infra';

/** Where a program's lines go as they are written (npm start prints them; tests keep a tail). */
export type LineSink = (label: string, line: string, stream: 'stdout' | 'stderr') => void;

export interface ProgramSpec {
  /** Named in its lines and errors, e.g. `payment#2`. */
  label: string;
  /** The program: a built entry point (`services/payment/dist/src/main.js`). */
  script: string;
  /** Its environment, beside the port (and beside this process's own with `inheritEnv`). */
  env: Record<string, string>;
  /** The variable it reads its port from (`PORT`; the gateway's `GATEWAY_PORT`). */
  portVariable?: string;
  /** A port of its own; a free one when absent (and another if that one is taken at bind). */
  port?: number;
  /** Polled until it answers 200 (`/health/ready`), or below 500 with `anyAnswer`. */
  readyPath?: string;
  anyAnswer?: boolean;
  /** This process's environment underneath (npm start, the bench); tests give PATH alone. */
  inheritEnv?: boolean;
  /** Node's own flags (`--cpu-prof …` to profile what a benchmark runs). */
  nodeArgs?: string[];
  sink?: LineSink;
}

/** Lines kept for a failure's message: the last ones a program wrote, and its errors. */
const TAIL_LINES = 200;

/** Every program started and not exited: they go with this process, however it ends. */
const LIVE = new Set<ChildProcess>();
const killAll = () => LIVE.forEach((child) => child.kill('SIGKILL'));
process.once('exit', killAll);
// Interrupted (Ctrl-C, a runner's SIGTERM) with nobody else listening: 'exit' would not run and
// the children would stay. A process that handles the signal itself (npm start stops its
// programs gracefully) is left to do so.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (process.listenerCount(signal) > 0) return;
    killAll();
    process.exit(1);
  });

/**
 * A process started elsewhere (a load generator's helper) that goes with this one as the
 * launcher's programs do.
 */
export function adopt(child: ChildProcess): ChildProcess {
  LIVE.add(child);
  child.once('exit', () => LIVE.delete(child));
  return child;
}

/**
 * One Node program run as a process of its own, on a port, until it is stopped: started and
 * waited for until ready, killed (`kill -9`) or terminated (SIGTERM) and started again on the
 * same port, its CPU time read from /proc. What the launcher, the tests and the bench run.
 */
export class NodeProgram {
  readonly tail: string[] = [];
  /** Every line it logged at level error or above, since it was first started. */
  readonly errors: string[] = [];
  child?: ChildProcess;
  port = 0;

  constructor(readonly spec: ProgramSpec) {
    this.port = spec.port ?? 0;
  }

  get label(): string {
    return this.spec.label;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get env(): Record<string, string> {
    return { ...this.spec.env, [this.spec.portVariable ?? 'PORT']: String(this.port) };
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /**
   * Starts it and waits until it is ready. A port taken between its choice and the program's
   * bind (EADDRINUSE) is not the program's failure: it starts again on another free port.
   */
  async launch(timeoutMs = 60_000, attempts = 3): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      if (this.port === 0) this.port = this.spec.port ?? (await freePort());
      this.start();
      try {
        await this.ready(timeoutMs);
        return this;
      } catch (err) {
        const taken = this.tail.some((l) => l.includes('EADDRINUSE'));
        await this.kill(); // a program that did not get ready is not left behind
        if (attempt >= attempts || !taken || this.spec.port !== undefined) throw err;
        this.port = 0;
        this.tail.length = 0;
        this.errors.length = 0;
      }
    }
  }

  /** Starts the process (on its port so far) without waiting for it; one at a time. */
  start(): ChildProcess {
    if (this.running) throw new Error(`${this.label} is running already (pid ${this.child!.pid})`);
    const child = spawn(process.execPath, [...(this.spec.nodeArgs ?? []), this.spec.script], {
      env: {
        ...(this.spec.inheritEnv ? process.env : { PATH: process.env.PATH ?? '' }),
        ...compileCacheEnv(), // a service starts on less CPU
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const [name, stream] of [
      ['stdout', child.stdout!],
      ['stderr', child.stderr!],
    ] as const) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (/"level":"(error|fatal)"/.test(line)) this.errors.push(line);
        this.spec.sink?.(this.label, line, name);
      });
    }
    this.child = adopt(child);
    return child;
  }

  /**
   * Polls its readiness path until it answers from its own socket; fails at once if it exits
   * meanwhile. An answer from another program that bound the port first does not count: this
   * one then exits with EADDRINUSE, and `launch` starts it on another port.
   */
  async ready(timeoutMs = 60_000): Promise<void> {
    const child = this.child!;
    const path = this.spec.readyPath ?? '/health/ready';
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `${this.label} exited ${child.exitCode ?? child.signalCode}:\n${this.tail.join('\n')}`,
        );
      const status = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status,
        () => 0,
      );
      const answered = status === 200 || (this.spec.anyAnswer && status > 0 && status < 500);
      if (answered && listenerOwnedBy(child.pid!, this.port) !== false) return;
      if (Date.now() > deadline)
        throw new Error(
          `${this.label} not ready within ${timeoutMs} ms:\n${this.tail.slice(-30).join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `kill -9`: no shutdown hooks, no flushing, sockets cut. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM, as an orchestrator stops a pod: resolves with its exit code once it exited. */
  async terminate(): Promise<number | null> {
    await this.signal('SIGTERM');
    return this.child?.exitCode ?? null;
  }

  /** Starts it again on its port and waits until it is ready. */
  async restart(timeoutMs = 60_000): Promise<void> {
    this.start();
    await this.ready(timeoutMs);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.signal('SIGTERM');
    clearTimeout(timer);
  }

  /** CPU seconds (user + system) it has used so far, from /proc; NaN once it is gone. */
  cpuSeconds(): number {
    try {
      const stat = fs.readFileSync(`/proc/${this.child!.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks
    } catch {
      return Number.NaN;
    }
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}
