import path from 'node:path';
import { INFRA_DIR, LocalRedis } from '@ticketing/infra';
import { randomSuffix } from './ids';

/**
 * A Redis of one test file's own (its own port and folder, no persistence, as a managed Redis'
 * memory is), so the test can kill it or restart it empty without disturbing any other test: the
 * machine's shared Redis is never emptied.
 */
export class PrivateRedis {
  private constructor(private readonly redis: LocalRedis) {}

  static async start(): Promise<PrivateRedis> {
    const dir = path.join(INFRA_DIR, `redis-test-${randomSuffix()}`);
    return new PrivateRedis(await LocalRedis.start({ dir }));
  }

  get port(): number {
    return this.redis.ports[0]!;
  }

  get url(): string {
    return this.redis.url;
  }

  /** `kill -9`, then the same server started again on its port: every key gone. */
  async restartEmpty(): Promise<void> {
    await this.redis.restartEmpty(this.port);
  }

  async destroy(): Promise<void> {
    await this.redis.destroy();
  }
}
