import type { Logger } from 'pino';
import { ConfigError } from './config';

/** What `start()` of a service returns: where it listens and how to stop it. */
export interface ServiceHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** The service's logger, for the process entry point's own lines. */
  logger?: Logger;
}

/**
 * Collects the parts a service starts and stops them in reverse order (HTTP first, pools last),
 * each with its own deadline, logging instead of throwing so one stuck part cannot keep the
 * others from closing.
 */
export class StopList {
  private readonly steps: { name: string; stop: () => Promise<unknown> }[] = [];
  private stopping?: Promise<void>;

  constructor(private readonly logger: Logger) {}

  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.push({ name, stop });
  }

  stopAll(deadlineMs = 10_000): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        const timer = new Promise((resolve) => setTimeout(resolve, deadlineMs, 'timeout').unref());
        try {
          const outcome = await Promise.race([step.stop().then(() => 'ok'), timer]);
          if (outcome === 'timeout') this.logger.warn({ step: step.name }, 'stop step timed out');
        } catch (err) {
          this.logger.warn({ err, step: step.name }, 'stop step failed');
        }
      }
    })();
    return this.stopping;
  }
}

export const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h

/**
 * The entry point of a service process: validates configuration (a bad variable exits 78
 * naming it), starts, and stops gracefully on SIGTERM/SIGINT.
 */
export function runMain(
  name: string,
  start: () => Promise<ServiceHandle>,
  telemetry?: { shutdown(): Promise<void> },
): void {
  const fail = (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`${name} failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  };
  // Handlers go in before start-up, so a SIGTERM during start-up still stops what started.
  const started = start();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130); // a second Ctrl-C means "now"
    started.then(async (handle) => {
      handle.logger?.info({ signal }, `${name} stopping`);
      try {
        await handle.stop();
        // The last spans (this shutdown's own among them) leave before the process does.
        await telemetry?.shutdown().catch(() => undefined);
        handle.logger?.info(`${name} stopped`);
        handle.logger?.flush();
        process.exit(0);
      } catch {
        process.exit(1);
      }
    }, fail);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  started.catch(fail);
}
