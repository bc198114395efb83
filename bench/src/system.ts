import { SERVICE_NAMES, type ServiceName } from '@ticketing/contracts';
import { randomUUID } from 'node:crypto';
import { createDb, dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import { identityToken } from '@ticketing/testing';
import type { BenchContext } from './context';
import { pidsMatching } from './cpu';
import { benchNodeArgs, procOf, toBenchStderr, type Instances } from './processes';
import { launchSystem, type LaunchedSystem } from '@ticketing/launcher';
import { benchTopics } from './topics';
import { uniqueStamp } from './stamps';

/** The whole system of one scenario: every service (INSTANCES of each), optionally the gateway. */
export interface BenchSystem {
  stamp: number;
  /** The run's Redis key prefix (the queue's keys). */
  keyPrefix: string;
  services: Record<ServiceName, Instances>;
  gateway?: Instances;
  /** Each service's database URL. */
  databases: Partial<Record<ServiceName, string>>;
  /** Process groups for CPU accounting: every service, the gateway, Kafka, Postgres, Redis. */
  cpuGroups(): Record<string, () => number[]>;
  stop(): Promise<void>;
}

/**
 * Starts every service as its own processes on databases, topics and a Redis prefix of this
 * run's own (removed by `stop()`), with `extraEnv` on top of the run's service settings.
 */
export async function startSystem(
  ctx: BenchContext,
  options: { gateway?: boolean; extraEnv?: Record<string, string>; instances?: number } = {},
): Promise<BenchSystem> {
  const stamp = uniqueStamp();
  const topics = await benchTopics(ctx.infra.kafkaBrokers, stamp);
  const keyPrefix = `bench-${stamp}:`;
  const services: Partial<Record<ServiceName, Instances>> = {};
  const databases: Partial<Record<ServiceName, string>> = {};
  let gateway: Instances | undefined;
  let launched: LaunchedSystem | undefined;
  const stop = async () => {
    await launched?.stop();
    // The run's topics go too: idle partitions left behind cost the broker CPU in later runs.
    await topics.remove();
    if (!process.env.BENCH_KEEP_DATABASES)
      for (const url of Object.values(databases)) await dropDatabase(url).catch(() => undefined);
  };
  try {
    for (const name of SERVICE_NAMES) {
      const databaseUrl = withDatabase(ctx.infra.databaseUrl, `bench_${name}_${stamp}`);
      await ensureDatabase(databaseUrl);
      databases[name] = databaseUrl;
    }
    launched = await launchSystem({
      instances: options.instances ?? ctx.instances,
      ports: 'free',
      inheritEnv: true,
      nodeArgs: benchNodeArgs(),
      sink: toBenchStderr,
      env: {
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ...ctx.serviceEnv,
        REDIS_KEY_PREFIX: keyPrefix,
        KAFKA_TOPIC_PREFIX: topics.ns.prefix,
        QUEUE_ADMIT_PER_SECOND: '1000',
        QUEUE_MAX_ACTIVE: '1000000',
        DB_POOL_MAX: String(ctx.poolSize),
        ...options.extraEnv,
      },
      instanceEnv: (name) => ({
        DATABASE_URL: databases[name]!,
        KAFKA_CONSUMER_GROUP: `${name}-bench-${stamp}`,
        ...options.extraEnv,
      }),
      gateway: options.gateway ? {} : false,
    });
    for (const name of SERVICE_NAMES) {
      const procs = launched.instances[name].map((p, i, all) =>
        procOf(p, all.length > 1 ? `${name}-${i + 1}` : name),
      );
      services[name] = {
        name,
        procs,
        urls: procs.map((p) => p.url),
        stop: async () => undefined, // the launcher stops the whole system
      };
    }
    if (launched.gateway) {
      const proc = procOf(launched.gateway, 'gateway');
      gateway = { name: 'gateway', procs: [proc], urls: [proc.url], stop: async () => undefined };
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const all = services as Record<ServiceName, Instances>;
  return {
    stamp,
    keyPrefix,
    services: all,
    gateway,
    databases,
    stop,
    cpuGroups: () => ({
      ...Object.fromEntries(
        Object.values(all).flatMap((s) =>
          s.procs.map((p) => [p.name, () => [p.child.pid!]] as const),
        ),
      ),
      ...(gateway && { gateway: () => [gateway.procs[0]!.child.pid!] }),
      kafka: () => pidsMatching('kafka.Kafka'),
      postgres: () => pidsMatching('postgres'),
      redis: () => pidsMatching('redis-server'),
    }),
  };
}

/**
 * A concert of this run's own with `count` dates on sale now (`seats` seats each), published
 * through the concert service's admin API with an operator's identity from the run's OpenID
 * provider, as an operator would.
 */
export async function publishConcert(
  ctx: BenchContext,
  concertUrl: string,
  options: { dates: number; seats?: number; price?: number },
): Promise<{ concertId: number; schedules: { scheduleId: number; price: number }[] }> {
  const admin = await identityToken(randomUUID(), {
    admin: true,
    issuer: ctx.identityProvider.issuer,
  });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${concertUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const concert = await post('/concerts', {
    title: `Bench ${randomUUID()}`,
    artist: 'Bench',
    venue: 'Bench',
  });
  const concertId = concert.concertId as number;
  const schedules: { scheduleId: number; price: number }[] = [];
  for (let i = 0; i < options.dates; i++) {
    const date = await post(`/concerts/${concertId}/schedules`, {
      startsAt: new Date(Date.now() + (30 + i) * 86_400_000).toISOString(),
      price: options.price ?? 10_000,
      seats: options.seats ?? 50,
    });
    schedules.push({ scheduleId: date.scheduleId as number, price: date.price as number });
  }
  return { concertId, schedules };
}

/**
 * A concert with `count` bookable dates (50 seats each) published through the admin API, and
 * known to the reservation service's replica (from concert.events) before this returns.
 */
export async function benchSchedules(
  ctx: BenchContext,
  system: BenchSystem,
  count: number,
  price = 10_000,
): Promise<{ concertId: number; schedules: { scheduleId: number; price: number }[] }> {
  const published = await publishConcert(ctx, system.services.concert.urls[0]!, {
    dates: count,
    price,
  });
  const reservationDb = createDb({
    url: system.databases.reservation!,
    applicationName: 'bench',
  });
  try {
    for (let i = 0; ; i++) {
      const [{ n }] = await reservationDb('schedules').count({ n: '*' });
      if (Number(n) === published.schedules.length) break;
      if (i > 600) throw new Error('the reservation service did not learn the schedules in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await reservationDb.destroy();
  }
  return published;
}
