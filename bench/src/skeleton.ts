import { randomUUID } from 'node:crypto';
import {
  createKafka,
  ensureTopics,
  type ConsumerGroupMember,
  type KafkaClient,
  type KafkaClientName,
  type Publisher,
} from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import {
  createLogger,
  dropDatabase,
  ensureDatabase,
  withDatabase,
} from '@ticketing/platform/wiring';
import pg from 'pg';
import type { BenchContext } from './context';
import { cpuBreakdown, pidsMatching } from './cpu';
import { benchServer, startProcess, type Proc } from './processes';
import { SKELETON_INBOX } from './servers/skeleton-step';
import { becomesTrue } from '@ticketing/platform';
import { uniqueStamp } from './stamps';

/**
 * Kafka deliveries of one saga: confirm, confirmed (to payment and to the concert's seat map),
 * debit, debited, expire-token, token-expired (ARCHITECTURE.md, the payment saga).
 */
export const SAGA_DELIVERIES = 7;

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
 * project's Kafka port with the services' settings (`saga-skeleton-hop.ts`). A saga does at
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
    private readonly smoke: boolean,
    private readonly hops: Proc[],
    private readonly topics: string[],
    private readonly producer: Publisher,
    private readonly end: ConsumerGroupMember,
    private readonly databaseUrl: string,
    private readonly kafka: KafkaClient,
  ) {}

  /**
   * `client`: the Kafka client of the hops and of the bench's own ends, behind the project's port
   * (`KAFKA_CLIENT`, as the services, by default).
   */
  static async open(
    ctx: BenchContext,
    client: KafkaClientName = kafkaClientFrom(process.env),
  ): Promise<SagaSkeleton> {
    const stamp = uniqueStamp();
    const logger = createLogger({ service: 'bench', level: 'warn' });
    const kafka = createKafka({
      client,
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
    await db.query(`create table if not exists ${SKELETON_INBOX} (message_id uuid primary key)`);
    await db.end();
    // The chain's end: the bench reads the last topic to time each chain.
    const maxWait = ctx.serviceEnv.KAFKA_CONSUMER_MAX_WAIT_MS;
    const end = kafka.groupMember(
      `bench-skeleton-${stamp}`,
      {
        assigned: () => undefined,
        left: () => undefined,
        rebalancing: () => undefined,
        crashed: (err) => logger.error({ err }, "the skeleton's end crashed"),
      },
      { maxWaitMs: maxWait ? Number(maxWait) : undefined },
    );
    const producer = kafka.publisher();
    await producer.connect();
    const started = await Promise.allSettled(
      Array.from({ length: SAGA_DELIVERIES }, (_, i) =>
        startProcess(`skeleton-hop-${i}`, benchServer('saga-skeleton-hop'), {
          KAFKA_CLIENT: client,
          HOP_FROM: topics[i]!,
          HOP_TO: topics[i + 1]!,
          HOP_GROUP: `bench-skeleton-${stamp}-${i}`,
          KAFKA_BROKERS: ctx.infra.kafkaBrokers.join(','),
          DATABASE_URL: databaseUrl,
          ...(maxWait && { KAFKA_CONSUMER_MAX_WAIT_MS: maxWait }),
        }),
      ),
    );
    const hops = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const skeleton = new SagaSkeleton(ctx.smoke, hops, topics, producer, end, databaseUrl, kafka);
    try {
      const failed = started.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
      await end.run({
        topics: [topics.at(-1)!],
        fromBeginning: true,
        concurrency: 6,
        eachBatch: async ({ messages }) => {
          for (const message of messages) skeleton.arrived(message.key!.toString());
        },
      });
    } catch (err) {
      await skeleton.stop(); // what did start goes, and so do the topics and the database
      throw err;
    }
    return skeleton;
  }

  /**
   * CPU per chain and p50 at `rate` (open loop), after a warm-up of 500 chains on first use (the
   * JIT). At least 200 chains: at 40/s, some hundred 10 ms ticks of CPU. A smoke run sends 10 of
   * each, as its figures only show the code runs.
   */
  async at(rate: number): Promise<SkeletonMeasure> {
    const [chains, warmUp] = this.smoke ? [10, 10] : [Math.max(200, rate * 5), 500];
    if (!this.warm) await this.offer(Math.max(rate, 100), warmUp);
    this.warm = true;
    const { result: arrived, seconds } = await cpuBreakdown(
      {
        hops: () => this.hops.map((h) => h.child.pid!),
        kafka: () => pidsMatching('kafka.Kafka'),
        postgres: () => pidsMatching('postgres'),
      },
      () => this.offer(rate, chains),
    );
    const perChain = (cpuSeconds: number) => (1000 * cpuSeconds) / Math.max(1, arrived.length);
    const hops = perChain(seconds.hops!);
    const kafka = perChain(seconds.kafka!);
    const postgres = perChain(seconds.postgres!);
    const sorted = [...arrived].sort((a, b) => a - b);
    const p50Ms = sorted.length ? Math.round(sorted[Math.ceil(sorted.length / 2) - 1]!) : 0;
    return {
      rate,
      chains: arrived.length,
      p50Ms,
      cpuMs: { hops, kafka, postgres, total: hops + kafka + postgres },
    };
  }

  async stop(): Promise<void> {
    // Each waits out its fetch in flight: side by side.
    await Promise.all([...this.hops.map((h) => h.stop()), this.end.stop().catch(() => undefined)]);
    await this.producer.disconnect().catch(() => undefined);
    const admin = this.kafka.admin();
    await admin.connect();
    await admin.deleteTopics(this.topics).catch(() => undefined);
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
        .send({ topic: this.topics[0]!, messages: [{ key: id, value: id }] })
        .catch(() => this.sentAt.delete(id));
    }
    await becomesTrue(() => this.latencies.length >= amount, {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    this.sentAt.clear();
    return this.latencies;
  }
}
