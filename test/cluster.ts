import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '@ticketing/contracts';
import {
  launchSystem,
  type LaunchedSystem,
  type LineSink,
  type NodeProgram,
} from '@ticketing/launcher';
import {
  createRedisUsers,
  createTopicNamespace,
  randomSuffix,
  testInfra,
  infraEnv,
  type RedisUsers,
  SYSTEM_DB_POOL_MAX,
} from '@ticketing/testing';
import {
  activeFan,
  addBookableSchedule,
  createSystemDatabases,
  httpCall,
  type DatabaseService,
  type Fan,
  type Databases,
  type Reply,
  type RunningSystem,
  type ServiceName,
} from './system-setup';

const SERVICES = SERVICE_NAMES;

/**
 * `TEST_PROCESS_LOGS=<folder>` (for diagnosing, never set by CI): every process's lines kept in
 * `<folder>/<cluster's topic prefix>/<label>.log`, beside the last 200 lines a failed test
 * prints; with `DEBUG` passed on to the processes (a client's own debug channels, `plt:kafka:*`).
 */
function processLogs(cluster: string): {
  sink?: LineSink;
  env: Record<string, string>;
  /** Ends the files once every line is written (the processes stopped). */
  close: () => Promise<void>;
} {
  if (!process.env.TEST_PROCESS_LOGS) return { env: {}, close: () => Promise.resolve() };
  const folder = path.join(process.env.TEST_PROCESS_LOGS, cluster.replace(/\W/g, ''));
  fs.mkdirSync(folder, { recursive: true });
  // One append stream per process: a file opened and closed per line blocked the test's own
  // process (its fans and its timings) once a client's debug channels were on.
  const files = new Map<string, fs.WriteStream>();
  const sink: LineSink = (label, line) => {
    let file = files.get(label);
    if (!file) {
      file = fs.createWriteStream(path.join(folder, `${label.replace(/[^\w.-]/g, '_')}.log`), {
        flags: 'a',
      });
      files.set(label, file);
    }
    file.write(`${line}\n`);
  };
  const close = async () => {
    await Promise.all([...files.values()].map((f) => new Promise((done) => f.end(done))));
  };
  return { sink, env: process.env.DEBUG ? { DEBUG: process.env.DEBUG } : {}, close };
}

/** One process of the cluster: a service instance or the gateway. */
export type Instance = NodeProgram;

/**
 * The system as it is deployed, for one test file: every service instance and the gateway are
 * separate Node processes (the built `dist/`), started by the launcher as `npm start` and the
 * benchmarks start them, on this file's own databases, topics, Redis key prefix and users, so a
 * test can `kill -9` an instance and start it again on its port. Everything is reached through
 * the gateway, like a client would.
 */
export class Cluster implements RunningSystem {
  private constructor(
    private readonly common: Record<string, string>,
    /** Each service logs in to Redis as its own ACL user, as deployed. */
    private readonly redisUsers: RedisUsers,
    private readonly databases: Databases,
    private readonly system: LaunchedSystem,
    private readonly closeLogs: () => Promise<void>,
  ) {}

  get instances(): Record<ServiceName, Instance[]> {
    return this.system.instances;
  }

  get gateway(): Instance {
    return this.system.gateway!;
  }

  get topicPrefix(): string {
    return this.common.KAFKA_TOPIC_PREFIX!;
  }

  /** The Redis key prefix of this cluster's keys (the queue's line, the budgets). */
  get keyPrefix(): string {
    return this.common.REDIS_KEY_PREFIX!;
  }

  get kafkaBrokers(): string[] {
    return this.common.KAFKA_BROKERS!.split(',');
  }

  /** The consumer group of each service (shared by its instances). */
  consumerGroups(): string[] {
    return SERVICES.map((name) => `${name}-${this.topicPrefix}`);
  }

  static async start(
    options: {
      instances?: number;
      env?: Record<string, string>;
      kafkaBrokers?: string[];
      /** The Postgres server the services' databases are made on (default: the test run's). */
      postgresUrl?: string;
      /** A Redis of the test's own (one it empties), instead of the machine's. */
      redisUrl?: string;
      /** One service's own settings (a short hold, a short saga deadline). */
      overrides?: Partial<Record<ServiceName, Record<string, string>>>;
    } = {},
  ): Promise<Cluster> {
    const infra = testInfra();
    const brokers = options.kafkaBrokers ?? infra.kafkaBrokers;
    const ns = await createTopicNamespace(brokers);
    const keyPrefix = `cluster-${randomSuffix()}:`;
    const redisUrl = options.redisUrl ?? infra.redisUrl;
    const redisUsers = await createRedisUsers(redisUrl, keyPrefix);
    const common = {
      ...infraEnv(),
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: keyPrefix,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: ns.prefix,
      QUEUE_ADMIT_PER_SECOND: '2000',
      QUEUE_MAX_ACTIVE: '100000',
      QUEUE_TICK_MS: '50',
      DB_POOL_MAX: SYSTEM_DB_POOL_MAX,
      // Tests drive many calls per user (50 charges at once): budgets far above them.
      GATEWAY_POLL_PER_SECOND: '100000',
      GATEWAY_POLL_BURST: '100000',
      GATEWAY_WRITE_PER_SECOND: '100000',
      GATEWAY_WRITE_BURST: '100000',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      LOG_FORMAT: 'json',
      ...options.env,
    };
    const databases = await createSystemDatabases(options.postgresUrl);
    const logs = processLogs(ns.prefix);
    try {
      const system = await launchSystem({
        sink: logs.sink,
        instances: options.instances ?? 2,
        ports: 'free',
        env: { ...common, ...logs.env },
        instanceEnv: (name) => ({
          KAFKA_CONSUMER_GROUP: `${name}-${ns.prefix}`,
          ...(name !== 'wallet' && redisUsers.login(name)),
          DATABASE_URL: databases[name].url,
          ...options.overrides?.[name],
        }),
        gateway: redisUsers.login('gateway'),
      });
      return new Cluster(common, redisUsers, databases, system, logs.close);
    } catch (err) {
      await logs.close();
      await Promise.all(Object.values(databases).map((d) => d.drop()));
      await redisUsers.drop();
      throw err;
    }
  }

  get url(): string {
    return this.gateway.url;
  }

  databaseUrl = (name: DatabaseService) => this.databases[name].url;

  /** Every call goes through the gateway; `service` only says whose path it is. */
  call = (
    method: string,
    _service: ServiceName,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => httpCall(this.gateway.url, method, path, token, body, headers);

  bookableSchedule = (price?: number, bookingOpensAt?: Date) =>
    addBookableSchedule(this, price, bookingOpensAt);

  activeFan = (concertId: number, fan?: Fan) => activeFan(this, concertId, fan);

  /** `kill -9`: no shutdown hooks, no flushing, sockets cut. */
  kill = (instance: Instance) => instance.kill();

  /** SIGTERM, as an orchestrator stops a pod: waits until it has exited; returns its exit code. */
  terminate = (instance: Instance) => instance.terminate();

  /** Starts a stopped instance again on its port and waits until it is ready. */
  restart = (instance: Instance) => instance.restart();

  /** Every instance of a service stopped (SIGTERM), as a scale to zero. */
  async stopInstances(name: ServiceName): Promise<void> {
    await Promise.all(this.instances[name].map((i) => i.terminate()));
  }

  /** Every instance of a service started again, each once ready. */
  async startInstances(name: ServiceName): Promise<void> {
    await Promise.all(this.instances[name].map((i) => i.restart()));
  }

  async stop(): Promise<void> {
    await this.system.stop();
    await this.closeLogs();
    await Promise.all(Object.values(this.databases).map((d) => d.drop()));
    await this.redisUsers.drop();
  }

  /** The last lines every process wrote (for diagnosing a failed test). */
  tails(lines = 200): string {
    return this.system.tails(lines);
  }
}
