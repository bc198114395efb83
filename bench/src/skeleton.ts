import { randomUUID } from 'node:crypto';
import { createKafka, createProducer, ensureTopics } from '@ticketing/messaging/wiring';
import {
  createLogger,
  dropDatabase,
  ensureDatabase,
  withDatabase,
} from '@ticketing/platform/wiring';
import pg from 'pg';
import type { BenchContext } from './context';
import { pidsMatching, processCpuSeconds } from './cpu';
import { benchServer, startProcess, type Proc } from './processes';

/**
 * Kafka deliveries of one saga: confirm, confirmed (to payment and to the concert's seat map),
 * debit, debited, expire-token, token-expired (ARCHITECTURE.md, the payment saga).
 */
export const SAGA_DELIVERIES = 7;

/** The skeleton's hop on kafkajs (the services' adapter), or on @platformatic/kafka. */
export type SkeletonHop = 'saga-skeleton-hop' | 'saga-skeleton-hop-platformatic';

export interface SkeletonMeasure {
  rate: number;
  chains: number;
  p50Ms: number;
  /** CPU per chain (ms): the hop processes, the Kafka broker, Postgres, and their sum. */
  cpuMs: { hops: number; kafka: number; postgres: number; total: number };
}

/**
 * The floor under the saga, measured in the same run: its skeleton. A chain of SAGA_DELIVERIES
 * processes, each taking a message from Kafka, making it durable with one statement (an inbox
 * claim, synchronous commit) and sending it on (idempotent producer, acks=all), through the
 * services' own Kafka adapter and consumer settings (`saga-skeleton-hop.ts`). A saga does at
 * least this: a message crosses Kafka and is made durable at every step; what it does on top
 * (transactions, outbox, replies, HTTP) is what the services add. The chains are offered open loop
 * at the saga's rates, so the skeleton's CPU per chain is the same kind of figure as the saga's
 * CPU per saga, taken on the same machine in the same minutes.
 */
export class SagaSkeleton {
  private warm = false;
  private readonly sentAt = new Map<string, number>();
  private latencies: number[] = [];

  private constructor(
    private readonly hops: Proc[],
    private readonly topics: string[],
    private readonly producer: ReturnType<typeof createProducer>,
    private readonly consumer: ReturnType<ReturnType<typeof createKafka>['consumer']>,
    private readonly databaseUrl: string,
    private readonly kafka: ReturnType<typeof createKafka>,
  ) {}

  /** `hop`: the hop's program in `bench/src/servers` (the services' Kafka adapter by default). */
  static async open(
    ctx: BenchContext,
    hop: SkeletonHop = 'saga-skeleton-hop',
  ): Promise<SagaSkeleton> {
    const stamp = Date.now();
    const logger = createLogger({ service: 'bench', level: 'warn' });
    const kafka = createKafka({
      brokers: ctx.infra.kafkaBrokers,
      clientId: 'bench-skeleton',
      logger,
    });
    const topics = Array.from(
      { length: SAGA_DELIVERIES + 1 },
      (_, i) => `bench${stamp}.skeleton.${i}`,
    );
    await ensureTopics(kafka, topics, { partitions: 6, withDlt: false });
    const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_skeleton_${stamp}`);
    await ensureDatabase(databaseUrl);
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query('create table if not exists skeleton_inbox (message_id uuid primary key)');
    await db.end();
    // The chain's end: the bench reads the last topic to time each chain.
    const consumer = kafka.consumer({ groupId: `bench-skeleton-${stamp}`, maxWaitTimeInMs: 2000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.at(-1)!], fromBeginning: true });
    const producer = createProducer(kafka, logger);
    await producer.connect();
    const started = await Promise.allSettled(
      Array.from({ length: SAGA_DELIVERIES }, (_, i) =>
        startProcess(`skeleton-hop-${i}`, benchServer(hop), {
          HOP_FROM: topics[i]!,
          HOP_TO: topics[i + 1]!,
          HOP_GROUP: `bench-skeleton-${stamp}-${i}`,
          KAFKA_BROKERS: ctx.infra.kafkaBrokers.join(','),
          DATABASE_URL: databaseUrl,
        }),
      ),
    );
    const hops = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const skeleton = new SagaSkeleton(hops, topics, producer, consumer, databaseUrl, kafka);
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      await consumer.run({
        eachMessage: async ({ message }) => skeleton.arrived(message.key!.toString()),
      });
    } catch (err) {
      await skeleton.stop(); // what did start goes, and so do the topics and the database
      throw err;
    }
    return skeleton;
  }

  /**
   * CPU per chain and p50 at `rate` (open loop), after a warm-up of `warmUp` chains on first use
   * (the JIT). At least 200 chains by default: at 40/s, some hundred 10 ms ticks of CPU.
   */
  async at(rate: number, chains = Math.max(200, rate * 5), warmUp = 500): Promise<SkeletonMeasure> {
    if (!this.warm) await this.offer(Math.max(rate, 100), warmUp);
    this.warm = true;
    const groups = {
      hops: () => this.hops.map((h) => h.child.pid!),
      kafka: () => pidsMatching('kafka.Kafka'),
      postgres: () => pidsMatching('postgres'),
    };
    const sample = () =>
      Object.fromEntries(
        Object.entries(groups).map(([name, pids]) => [
          name,
          new Map(pids().map((p) => [p, processCpuSeconds(p)] as const)),
        ]),
      );
    const before = sample();
    const arrived = await this.offer(rate, chains);
    const after = sample();
    const ms = (name: string) => {
      let used = 0;
      for (const [pid, cpu] of after[name]!)
        used += Math.max(0, cpu - (before[name]!.get(pid) ?? 0));
      return (1000 * used) / Math.max(1, arrived.length);
    };
    const cpuMs = { hops: ms('hops'), kafka: ms('kafka'), postgres: ms('postgres'), total: 0 };
    cpuMs.total = cpuMs.hops + cpuMs.kafka + cpuMs.postgres;
    const sorted = [...arrived].sort((a, b) => a - b);
    const p50Ms = sorted.length ? Math.round(sorted[Math.ceil(sorted.length / 2) - 1]!) : 0;
    return { rate, chains: arrived.length, p50Ms, cpuMs };
  }

  async stop(): Promise<void> {
    await Promise.all(this.hops.map((h) => h.stop()));
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: this.topics }).catch(() => undefined);
    await admin.disconnect();
    await dropDatabase(this.databaseUrl).catch(() => undefined);
  }

  private arrived(id: string): void {
    const sent = this.sentAt.get(id);
    if (sent === undefined) return;
    this.sentAt.delete(id);
    this.latencies.push(performance.now() - sent);
  }

  /** `amount` chains at `rate`, evenly spaced; their latencies (ms) once all arrived. */
  private async offer(rate: number, amount: number): Promise<number[]> {
    this.latencies = [];
    const start = performance.now();
    for (let i = 0; i < amount; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = randomUUID();
      this.sentAt.set(id, due); // from its due time: a late send shows in the latency
      void this.producer
        .send({ topic: this.topics[0]!, acks: -1, messages: [{ key: id, value: id }] })
        .catch(() => this.sentAt.delete(id));
    }
    const deadline = performance.now() + 30_000;
    while (this.latencies.length < amount && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.sentAt.clear();
    return this.latencies;
  }
}
