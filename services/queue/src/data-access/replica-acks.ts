import type { RedisClient } from '@ticketing/platform';
import { Cluster } from 'ioredis';
import { queued, send, type RedisCommand } from './scripts';

// How long a write waits for a replica's acknowledgement before it is answered anyway.
const WAIT_MS = 200;
// A replica that did not acknowledge in time is not waited for again before this (it is down or
// far behind: a failover to it could not keep these writes anyway), so joins do not pay WAIT_MS.
const PAUSE_MS = 5000;

/**
 * Writes a failover must not lose are answered only once a replica has them (ADR 0024): Redis
 * replicates asynchronously, so a primary killed right after a write may leave its replica
 * without it. A number handed out, a join's bits and entry, a head move: their commands go in
 * one pipeline with `WAIT 1` on the node that took them, when every primary has a replica
 * (found at start and every few seconds: a single Redis without one, as on a laptop, is never
 * waited for).
 */
export class ReplicaAcks {
  private replicas = 0;
  private pausedUntil = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly onShortfall?: (missing: { acked: number; wanted: number }) => void,
  ) {}

  /** Whether writes wait for a replica now. */
  private get waiting(): boolean {
    return this.replicas > 0 && Date.now() >= this.pausedUntil;
  }

  /** How many replicas every primary has (the fewest), asked of Redis now. */
  async discover(): Promise<number> {
    if (this.redis instanceof Cluster) {
      const slots = (await this.redis.cluster('SLOTS')) as unknown[][];
      this.replicas = slots.length === 0 ? 0 : Math.min(...slots.map((s) => s.length - 3));
    } else {
      const info = await this.redis.info('replication');
      this.replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
    }
    return this.replicas;
  }

  /**
   * Sends writes a failover must keep. While replicas are waited for, in one pipeline followed by
   * `WAIT 1` (on a cluster the pipeline goes to the node of its keys, and so does the WAIT);
   * otherwise each on its own, at once (not pipelined: a join's commands are alone in their turn
   * of the event loop). Returns the commands' replies, or throws the first command's error.
   */
  async write(...commands: RedisCommand[]): Promise<unknown[]> {
    if (!this.waiting) return Promise.all(commands.map((c) => send(this.redis, c)));
    const pipeline = this.redis.pipeline();
    for (const c of commands) queued(pipeline, c);
    pipeline.wait(1, WAIT_MS);
    const replies = (await pipeline.exec()) ?? [];
    const results: unknown[] = [];
    for (const [err, value] of replies) {
      if (err) throw err;
      results.push(value);
    }
    const acked = Number(results.pop());
    if (acked < 1) {
      this.pausedUntil = Date.now() + PAUSE_MS;
      this.onShortfall?.({ acked, wanted: 1 });
    }
    return results;
  }
}
