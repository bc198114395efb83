import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ALL_TOPICS, SERVICE_NAMES, type ServiceName } from '@ticketing/contracts';
import { createKafka, type Admin } from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import { connectRedis, createDb, createLogger } from '@ticketing/platform/wiring';
import type { Knex } from '@ticketing/platform';
import { processCpuSeconds } from '../cpu';
import { fdsOf, heapUsedMb, residentMb } from './process-readings';
import type { Recorder } from './recorder';
import type { Stage } from './stage';

/** One second's reading of everything beyond the fans: processes, Kafka, Postgres, Redis. */
export interface SystemSample {
  atS: number;
  /** Seconds since the sample before (1, or more when a busy machine delayed this one). */
  spanS: number;
  /** Cores each process group used on average since the sample before. */
  cpu: Record<string, number>;
  /** Resident memory of each group, MB. */
  rssMb: Record<string, number>;
  /**
   * The V8 heap in use of each Node process, MB (its /metrics, every few seconds): what a leak
   * grows, where resident memory also holds the heap V8 sized up and has not given back.
   */
  heapMb?: Record<string, number | undefined>;
  /** Open file descriptors of each group. */
  fds: Record<string, number>;
  /** Messages each consumer group has not committed yet (undefined: Kafka did not answer). */
  lag: Record<string, number | undefined>;
  outbox: Record<string, number | undefined>;
  inbox: Record<string, number | undefined>;
  /** The age of each service's oldest inbox row, seconds: what its retention bounds. */
  inboxAgeS?: Record<string, number | undefined>;
  /** Redis' memory over every node, MB. */
  redisMb?: number;
  /** The largest tables' size, MB (every few seconds). */
  tablesMb: Record<string, number | undefined>;
  /**
   * The load generator itself: its cores and its event loop's p99 delay (ms) over the second. A
   * busy generator answers late to every fan at once; the chart tells that apart from the system.
   */
  generator: { cores: number; loopDelayMs: number };
}

// Stores are asked less often than processes are read: their questions cost the stores work.
const STORES_EVERY_S = 5;
const TABLES = [
  'payment.payments',
  'payment.saga_steps',
  'reservation.reservations',
  'wallet.ledger',
];

/**
 * Reads every second what the report charts beside the fans: each process's CPU, memory and
 * descriptors from /proc; every few seconds each consumer group's lag, the outbox and inbox
 * sizes, Redis' memory and the largest tables' size.
 */
export class SystemSampler {
  readonly samples: SystemSample[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private lastGeneratorCpu = process.cpuUsage();
  private lastCpu = new Map<number, number>();
  private lastReadAt = performance.now();
  private last?: SystemSample;
  private admin?: Admin;
  private readonly dbs = new Map<ServiceName, Knex>();
  private readonly redis;

  constructor(
    private readonly stage: Stage,
    private readonly recorder: Recorder,
  ) {
    this.redis = connectRedis(stage.redisUrl);
  }

  async start(): Promise<this> {
    this.admin = createKafka({
      client: kafkaClientFrom(process.env),
      brokers: this.stage.kafkaBrokers,
      clientId: 'rehearsal-sampler',
      logger: createLogger({ service: 'rehearsal', level: 'error' }),
    }).admin();
    await this.admin.connect();
    for (const name of SERVICE_NAMES)
      this.dbs.set(
        name,
        createDb({ url: this.stage.databases[name], applicationName: 'rehearsal' }),
      );
    this.lastCpu = this.readCpu(); // the baseline of the first second
    this.lastReadAt = performance.now();
    this.loopDelay.enable();
    const tick = async () => {
      if (this.stopped) return;
      const atS = Math.round(this.recorder.now());
      this.recorder.sampleStates(atS);
      this.inFlight = this.sample(atS).catch(() => undefined);
      await this.inFlight;
      if (!this.stopped) this.timer = setTimeout(() => void tick(), 1000 - (Date.now() % 1000));
    };
    this.timer = setTimeout(() => void tick(), 1000);
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.loopDelay.disable();
    await this.inFlight;
    await this.admin?.disconnect().catch(() => undefined);
    await Promise.all([...this.dbs.values()].map((db) => db.destroy()));
    this.redis.disconnect();
  }

  private async sample(atS: number): Promise<void> {
    const stores = atS % STORES_EVERY_S === 0 || !this.last;
    const now = performance.now();
    const spanS = Math.max(0.001, (now - this.lastReadAt) / 1000);
    this.lastReadAt = now;
    const sample: SystemSample = {
      atS,
      spanS: Number(spanS.toFixed(3)),
      ...this.readProcesses(spanS),
      // Read with the processes, before the stores are asked: both cover the same span.
      generator: this.readGenerator(spanS),
      lag: stores ? await this.lag() : this.last!.lag,
      ...(stores
        ? await this.tables()
        : { outbox: this.last!.outbox, inbox: this.last!.inbox, inboxAgeS: this.last!.inboxAgeS }),
      redisMb: stores ? await this.redisMemory() : this.last!.redisMb,
      tablesMb: stores ? await this.tableSizes() : this.last!.tablesMb,
      heapMb: stores ? await this.heaps() : this.last!.heapMb,
    };
    this.samples.push(sample);
    this.last = sample;
  }

  private readGenerator(spanS: number): SystemSample['generator'] {
    const used = process.cpuUsage(this.lastGeneratorCpu);
    this.lastGeneratorCpu = process.cpuUsage();
    const loopDelayMs = this.loopDelay.percentile(99) / 1e6;
    this.loopDelay.reset();
    return {
      cores: Number(((used.user + used.system) / 1e6 / spanS).toFixed(3)),
      loopDelayMs: Number(loopDelayMs.toFixed(1)),
    };
  }

  private readCpu(): Map<number, number> {
    const now = new Map<number, number>();
    for (const pids of Object.values(this.stage.processes()))
      for (const pid of pids) now.set(pid, processCpuSeconds(pid));
    return now;
  }

  /** `spanS`: the seconds since the last reading, which the CPU used is divided by. */
  private readProcesses(spanS: number): Pick<SystemSample, 'cpu' | 'rssMb' | 'fds'> {
    const cpu: Record<string, number> = {};
    const rssMb: Record<string, number> = {};
    const fds: Record<string, number> = {};
    const now = new Map<number, number>();
    for (const [name, pids] of Object.entries(this.stage.processes())) {
      let used = 0;
      let open = 0;
      for (const pid of pids) {
        const seconds = processCpuSeconds(pid);
        now.set(pid, seconds);
        used += Math.max(0, seconds - (this.lastCpu.get(pid) ?? seconds));
        open += fdsOf(pid);
      }
      cpu[name] = Number((used / spanS).toFixed(3));
      rssMb[name] = Math.round(residentMb(pids));
      fds[name] = open;
    }
    this.lastCpu = now;
    return { cpu, rssMb, fds };
  }

  /** Messages not yet committed, per consumer group, over the topics it reads. */
  private async lag(): Promise<Record<string, number | undefined>> {
    const admin = this.admin!;
    const topics = ALL_TOPICS.map((t) => `${this.stage.topicPrefix}${t}`);
    const lag: Record<string, number | undefined> = {};
    try {
      const ends = new Map<string, number>();
      for (const topic of topics)
        for (const p of await admin.topicOffsets(topic))
          ends.set(`${topic}/${p.partition}`, Number(p.high));
      for (const group of this.stage.consumerGroups()) {
        let behind = 0;
        for (const { topic, partitions } of await admin.groupOffsets(group, topics))
          for (const p of partitions) {
            if (p.offset === '-1') continue;
            behind += Math.max(0, (ends.get(`${topic}/${p.partition}`) ?? 0) - Number(p.offset));
          }
        lag[group.replace(/-rehearsal-\d+$/, '')] = behind;
      }
    } catch {
      for (const group of this.stage.consumerGroups())
        lag[group.replace(/-rehearsal-\d+$/, '')] = undefined;
    }
    return lag;
  }

  private async tables(): Promise<Pick<SystemSample, 'outbox' | 'inbox' | 'inboxAgeS'>> {
    const outbox: Record<string, number | undefined> = {};
    const inbox: Record<string, number | undefined> = {};
    const inboxAgeS: Record<string, number | undefined> = {};
    for (const [name, db] of this.dbs) {
      outbox[name] = await countOf(db, 'outbox');
      inbox[name] = await countOf(db, 'inbox');
      inboxAgeS[name] = await oldestAgeS(db, 'inbox', 'received_at');
    }
    return { outbox, inbox, inboxAgeS };
  }

  private async tableSizes(): Promise<Record<string, number | undefined>> {
    const sizes: Record<string, number | undefined> = {};
    for (const qualified of TABLES) {
      const [service, table] = qualified.split('.') as [ServiceName, string];
      try {
        const { rows } = (await this.dbs
          .get(service)!
          .raw('select pg_total_relation_size(?::regclass) as bytes', [table])) as {
          rows: { bytes: string }[];
        };
        sizes[qualified] = Number(rows[0]!.bytes) / 1e6;
      } catch {
        sizes[qualified] = undefined;
      }
    }
    return sizes;
  }

  private async heaps(): Promise<Record<string, number | undefined>> {
    const entries = Object.entries(this.stage.nodeUrls());
    const read = await Promise.all(entries.map(([, url]) => heapUsedMb(url)));
    return Object.fromEntries(entries.map(([name], i) => [name, read[i]]));
  }

  private async redisMemory(): Promise<number | undefined> {
    try {
      const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
      let bytes = 0;
      for (const node of nodes)
        bytes += Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? 0);
      return bytes / 1e6;
    } catch {
      return undefined;
    }
  }
}

/** Seconds since the oldest row's `column` (0 for an empty table; undefined: no answer). */
async function oldestAgeS(db: Knex, table: string, column: string): Promise<number | undefined> {
  try {
    const { rows } = (await db.raw(
      `select coalesce(extract(epoch from now() - min(??)), 0) as age from ??`,
      [column, table],
    )) as { rows: { age: string }[] };
    return Math.round(Number(rows[0]!.age));
  } catch {
    return undefined;
  }
}

async function countOf(db: Knex, table: string): Promise<number | undefined> {
  try {
    const [{ n }] = (await db(table).count({ n: '*' })) as [{ n: string }];
    return Number(n);
  } catch {
    return undefined;
  }
}
