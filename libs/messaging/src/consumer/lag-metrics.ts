import type { Admin, KafkaClient } from '../broker';
import { metricOnce } from '@ticketing/platform';
import { Gauge, type Registry } from 'prom-client';

/**
 * How far a consumer group is behind, and when each partition last moved (issue: "a stalled
 * consumer is invisible"). A handler waiting out an outage blocks its partition: its lag grows
 * while its last progress stays put, and readiness stays green (lag alone is no reason to take
 * an instance out of service; a restart would not help). Alerts: deploy/k8s PrometheusRule.
 *
 * - `kafka_consumer_lag{group,topic,partition}`: end offset minus the group's committed offset,
 *   asked of the broker at scrape time, so it shows a stalled group too (every instance reports
 *   the whole group's figure; alerts take the max).
 * - `kafka_consumer_last_progress_timestamp_seconds{group,topic,partition}`: when this instance
 *   last finished a batch of that partition (or was assigned it).
 * - `kafka_consumer_running{group}`: 1 while this instance's consumer is in its group.
 */
export class ConsumerLagMetrics {
  private admin?: Admin;
  private connecting?: Promise<Admin>;
  private readonly lag: Gauge<'group' | 'topic' | 'partition'>;
  private readonly lastProgress: Gauge<'group' | 'topic' | 'partition'>;
  private readonly running: Gauge<'group'>;

  constructor(
    private readonly options: {
      kafka: KafkaClient;
      groupId: string;
      topics: () => string[];
      metrics: Registry;
      /** Longest a scrape waits for the broker (a slow broker must not stall /metrics). */
      timeoutMs?: number;
    },
  ) {
    const { metrics } = options;
    const gauge = <L extends string>(
      name: string,
      help: string,
      labelNames: L[],
      collect?: () => Promise<void>,
    ) =>
      metricOnce(
        metrics,
        name,
        () =>
          new Gauge<L>({
            name,
            help,
            labelNames,
            registers: [metrics],
            ...(collect && { collect }),
          }),
      );
    this.lag = gauge(
      'kafka_consumer_lag',
      "Messages the group has not yet consumed, per partition (end offset minus the group's committed offset)",
      ['group', 'topic', 'partition'],
      () => this.measureLag(),
    );
    this.lastProgress = gauge(
      'kafka_consumer_last_progress_timestamp_seconds',
      'When this instance last finished a batch of the partition (or was assigned it)',
      ['group', 'topic', 'partition'],
    );
    this.running = gauge(
      'kafka_consumer_running',
      "1 while this instance's consumer is in its group",
      ['group'],
    );
    this.running.set({ group: options.groupId }, 0);
  }

  joined(assignment: Record<string, number[]>): void {
    const now = Date.now() / 1000;
    this.running.set({ group: this.options.groupId }, 1);
    for (const [topic, partitions] of Object.entries(assignment))
      for (const partition of partitions)
        this.lastProgress.set(
          { group: this.options.groupId, topic, partition: String(partition) },
          now,
        );
  }

  left(): void {
    this.running.set({ group: this.options.groupId }, 0);
  }

  advanced(topic: string, partition: number): void {
    this.lastProgress.set(
      { group: this.options.groupId, topic, partition: String(partition) },
      Date.now() / 1000,
    );
  }

  private async measureLag(): Promise<void> {
    try {
      const admin = await this.connect();
      const topics = this.options.topics();
      const work = (async () => {
        const [committed, ends] = await Promise.all([
          admin.groupOffsets(this.options.groupId, topics),
          Promise.all(topics.map((topic) => admin.topicOffsets(topic))),
        ]);
        topics.forEach((topic, i) => {
          const group = committed.find((c) => c.topic === topic);
          for (const end of ends[i]!) {
            const done = group?.partitions.find((p) => p.partition === end.partition)?.offset;
            // Nothing committed yet: the group starts from the beginning (fromBeginning).
            const from = done === undefined || done === '-1' ? Number(end.low) : Number(done);
            this.lag.set(
              { group: this.options.groupId, topic, partition: String(end.partition) },
              Math.max(0, Number(end.high) - from),
            );
          }
        });
      })();
      await Promise.race([
        work,
        new Promise((resolve) => setTimeout(resolve, this.options.timeoutMs ?? 2000).unref()),
      ]);
    } catch {
      // The broker unreachable: the last figures stay; readiness and the client report it.
    }
  }

  private connect(): Promise<Admin> {
    if (this.admin) return Promise.resolve(this.admin);
    this.connecting ??= (async () => {
      const admin = this.options.kafka.admin();
      try {
        await admin.connect();
        this.admin = admin;
        return admin;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  async stop(): Promise<void> {
    this.left();
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
