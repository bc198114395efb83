import fs from 'node:fs';
import path from 'node:path';
import {
  INFRA_DIR,
  freePort,
  isAlive,
  launchKafka,
  stopPid,
  which,
  type SecureListener,
} from '@ticketing/infra';
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
    private readonly secure?: SecureListener,
  ) {}

  static available = () => which('java') !== undefined;

  /** With `secure`, a SASL_SSL listener with SCRAM users and ACLs too (`secureBrokers`). */
  static async start(secure?: SecureListener): Promise<PrivateKafka> {
    const kafka = new PrivateKafka(
      path.join(INFRA_DIR, `kafka-test-${randomSuffix()}`),
      await freePort(secure ? 3 : 2),
      secure,
    );
    await kafka.startAgain();
    return kafka;
  }

  /** The plaintext listener (an anonymous super user: the test's own setup). */
  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  /** The SASL_SSL listener, where the ACLs apply. */
  get secureBrokers(): string[] {
    return [`127.0.0.1:${this.port + 2}`];
  }

  /** A clean broker shutdown (SIGTERM): what an operator's restart does. */
  async stop(): Promise<void> {
    await stopPid(this.pid, 30_000);
  }

  async startAgain(): Promise<void> {
    this.pid = await launchKafka(this.home, this.port, this.secure, 'brief');
  }

  async destroy(): Promise<void> {
    if (this.pid && isAlive(this.pid)) await stopPid(this.pid, 30_000);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
