import { ALL_TOPICS } from '@ticketing/contracts';
import type { Admin } from '@ticketing/messaging/wiring';
import { testKafka } from '@ticketing/testing';
import type { Cluster } from './cluster';

const STEADY_LAG = 10;

/**
 * Messages the system's consumer groups have not committed yet, over every topic they read:
 * sampled once a second while a fault runs, to tell when the consumers have caught up.
 */
export class LagSampler {
  readonly samples: { at: number; lag: number }[] = [];
  private timer?: NodeJS.Timeout;
  private running = true;
  private admin?: Admin;

  constructor(private readonly cluster: Cluster) {}

  async start(): Promise<this> {
    this.admin = testKafka(this.cluster.kafkaBrokers).admin();
    await this.admin.connect();
    const sample = async () => {
      const lag = await this.lag().catch(() => undefined); // a broker down: no sample
      if (lag !== undefined) this.samples.push({ at: Date.now(), lag });
      if (this.running) this.timer = setTimeout(() => void sample(), 1000);
    };
    void sample();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.admin?.disconnect();
  }

  /**
   * When the consumers were back where they were before the fault: the first sample after
   * `over` (the fault's end) whose lag is at most the most seen before `faultAt`.
   */
  caughtUpAt(faultAt: number, over: number): number | undefined {
    const before = this.samples.filter((s) => s.at < faultAt).map((s) => s.lag);
    // A steady sale keeps a few messages between two commits (every 500 ms) in any sample.
    const normal = Math.max(STEADY_LAG, ...before);
    return this.samples.find((s) => s.at >= over && s.lag <= normal)?.at;
  }

  private async lag(): Promise<number> {
    const admin = this.admin!;
    let behind = 0;
    const topics = ALL_TOPICS.map((t) => `${this.cluster.topicPrefix}${t}`);
    const ends = new Map<string, number>();
    for (const topic of topics)
      for (const p of await admin.topicOffsets(topic))
        ends.set(`${topic}/${p.partition}`, Number(p.high));
    for (const groupId of this.cluster.consumerGroups()) {
      for (const { topic, partitions } of await admin.groupOffsets(groupId, topics)) {
        for (const p of partitions) {
          if (p.offset === '-1') continue; // a topic this group does not read
          behind += ends.get(`${topic}/${p.partition}`)! - Number(p.offset);
        }
      }
    }
    return behind;
  }
}
