import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { INFRA_DIR, isAlive, launchKafka, stopPid, which } from '@ticketing/infra';
import { randomSuffix } from './ids';

/**
 * A Kafka broker of one test file's own (same jars as `infra:up`, its own port and data), so
 * the test can stop and restart it without disturbing any other test.
 */
export class PrivateKafka {
  private pid = 0;

  private constructor(
    private readonly home: string,
    readonly port: number,
  ) {}

  static available = () => which('java') !== undefined;

  static async start(): Promise<PrivateKafka> {
    const kafka = new PrivateKafka(
      path.join(INFRA_DIR, `kafka-test-${randomSuffix()}`),
      await freePortPair(),
    );
    await kafka.startAgain();
    return kafka;
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** A clean broker shutdown (SIGTERM): what an operator's restart does. */
  async stop(): Promise<void> {
    await stopPid(this.pid, 30_000);
  }

  async startAgain(): Promise<void> {
    this.pid = await launchKafka(this.home, this.port);
  }

  async destroy(): Promise<void> {
    if (this.pid && isAlive(this.pid)) await stopPid(this.pid, 30_000);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** A free port whose successor (the controller's) is free too. */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
