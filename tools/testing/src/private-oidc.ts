import fs from 'node:fs';
import path from 'node:path';
import {
  INFRA_DIR,
  freePort,
  isAlive,
  launchOidcProvider,
  oidcKeysFile,
  rotateOidcKeys,
  stopPid,
} from '@ticketing/infra';
import { randomSuffix } from './ids';

/**
 * A development OpenID provider of one test file's own (its own port, keys and issuer), so a
 * test can stop it, rotate its keys and start it again without disturbing any other test.
 */
export class PrivateOidcProvider {
  private pid = 0;

  private constructor(
    private readonly home: string,
    readonly issuer: string,
  ) {}

  /** Picks a port; `start()` is separate so a test can point a service at it before it runs. */
  static async create(): Promise<PrivateOidcProvider> {
    const port = await freePort();
    return new PrivateOidcProvider(
      path.join(INFRA_DIR, `oidc-test-${randomSuffix()}`),
      `http://127.0.0.1:${port}/default`,
    );
  }

  get keysFile(): string {
    return oidcKeysFile(this.home);
  }

  async start(): Promise<void> {
    this.pid = await launchOidcProvider(this.home, this.issuer);
  }

  /** A new signing key (its kid is returned); the provider signs with it after a restart. */
  rotateKeys(): string {
    return rotateOidcKeys(this.home);
  }

  async stop(): Promise<void> {
    await stopPid(this.pid, 10_000);
  }

  async destroy(): Promise<void> {
    if (this.pid && isAlive(this.pid)) await stopPid(this.pid, 10_000);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}
