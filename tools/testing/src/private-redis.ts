import fs from 'node:fs';
import path from 'node:path';
import { INFRA_DIR, freePort, isAlive, stopPid, which } from '@ticketing/infra';
import Redis from 'ioredis';
import { spawn } from 'node:child_process';
import { eventually } from './eventually';
import { randomSuffix } from './ids';

/**
 * A Redis of one test file's own (its own port and folder, no persistence, as a managed Redis'
 * memory is), so the test can kill it or restart it empty without disturbing any other test: the
 * machine's shared Redis is never emptied.
 */
export class PrivateRedis {
  private pid = 0;

  private constructor(
    private readonly home: string,
    readonly port: number,
  ) {}

  static available = () => which('redis-server') !== undefined;

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(
      path.join(INFRA_DIR, `redis-test-${randomSuffix()}`),
      await freePort(),
    );
    fs.mkdirSync(redis.home, { recursive: true });
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `kill -9`, then the same server started again on its port: every key gone. */
  async restartEmpty(): Promise<void> {
    if (this.pid && isAlive(this.pid)) {
      process.kill(this.pid, 'SIGKILL');
      await eventually(() => expect(isAlive(this.pid)).toBe(false), { timeoutMs: 10_000 });
    }
    await this.launch();
  }

  async destroy(): Promise<void> {
    if (this.pid && isAlive(this.pid)) await stopPid(this.pid, 10_000);
    fs.rmSync(this.home, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const out = fs.openSync(path.join(this.home, 'redis.log'), 'a');
    // prettier-ignore
    const child = spawn(which('redis-server')!, [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', this.home,
    ], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.pid = child.pid!;
    await eventually(
      async () => {
        const client = new Redis(this.port, '127.0.0.1', {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        client.on('error', () => undefined);
        try {
          await client.connect();
          expect(await client.ping()).toBe('PONG');
        } finally {
          client.disconnect();
        }
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }
}
