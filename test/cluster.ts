import { spawn, type ChildProcess } from 'node:child_process';
import { SERVICE_NAMES } from '@ticketing/contracts';
import path from 'node:path';
import readline from 'node:readline';
import {
  createRedisUsers,
  createTopicNamespace,
  eventually,
  randomSuffix,
  testInfra,
  infraEnv,
  type RedisUsers,
  SYSTEM_DB_POOL_MAX,
} from '@ticketing/testing';
import { freePort } from '@ticketing/infra';
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

const ROOT = path.resolve(__dirname, '..');
const SERVICES = SERVICE_NAMES;
// A test that dies mid-way must not leave services running (they would keep jest alive).
const LIVE = new Set<ChildProcess>();
process.once('exit', () => LIVE.forEach((child) => child.kill('SIGKILL')));

interface Instance {
  label: string;
  script: string;
  env: Record<string, string>;
  /** The variable its port is given in (PORT, GATEWAY_PORT). */
  portVariable: string;
  url: string;
  child?: ChildProcess;
  /** The last lines it wrote, for the failure message of a test. */
  tail: string[];
  /** Every line it logged at level error or above, since it was first started. */
  errors: string[];
}

/**
 * The system as it is deployed: every service instance and the gateway are separate Node
 * processes (the built `dist/`), so a test can `kill -9` one and start it again on the same
 * port. Everything is reached through the gateway, like a client would.
 */
export class Cluster implements RunningSystem {
  readonly instances = {} as Record<ServiceName, Instance[]>;
  gateway!: Instance;
  private databases = {} as Databases;

  private constructor(
    private readonly common: Record<string, string>,
    /** Each service logs in to Redis as its own ACL user, as deployed. */
    private readonly redisUsers: RedisUsers,
  ) {}

  get topicPrefix(): string {
    return this.common.KAFKA_TOPIC_PREFIX!;
  }

  /** The system's Redis key prefix (the queue's keys are under it). */
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
    } = {},
  ): Promise<Cluster> {
    const infra = testInfra();
    const brokers = options.kafkaBrokers ?? infra.kafkaBrokers;
    const ns = await createTopicNamespace(brokers);
    const keyPrefix = `cluster-${randomSuffix()}:`;
    const redisUrl = options.redisUrl ?? infra.redisUrl;
    const redisUsers = await createRedisUsers(redisUrl, keyPrefix);
    const cluster = new Cluster(
      {
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
      },
      redisUsers,
    );
    cluster.databases = await createSystemDatabases(options.postgresUrl);
    const upstreams: Record<string, string> = {};
    for (const name of SERVICES) {
      cluster.instances[name] = [];
      for (let i = 0; i < (options.instances ?? 2); i++) {
        const port = await freePort();
        cluster.instances[name].push({
          label: `${name}#${i + 1}`,
          script: `services/${name}/dist/src/main.js`,
          portVariable: 'PORT',
          url: `http://127.0.0.1:${port}`,
          env: {
            ...cluster.common,
            PORT: String(port),
            INSTANCE_ID: String(i + 1),
            KAFKA_CONSUMER_GROUP: `${name}-${ns.prefix}`,
            ...(name !== 'wallet' && redisUsers.login(name)),
            DATABASE_URL: cluster.databases[name].url,
          },
          tail: [],
          errors: [],
        });
      }
    }
    // The queue asks the catalog for a concert its copy misses (ADR 0024).
    for (const queue of cluster.instances.queue)
      queue.env.CONCERT_URLS = cluster.instances.concert.map((i) => i.url).join(',');
    try {
      // The services first: the gateway is given the ports they really listen on.
      await Promise.all(
        SERVICES.flatMap((s) => cluster.instances[s]).map((i) => cluster.launch(i)),
      );
      for (const name of SERVICES)
        upstreams[`${name.toUpperCase()}_URLS`] = cluster.instances[name]
          .map((i) => i.url)
          .join(',');
      const gatewayPort = await freePort();
      cluster.gateway = {
        label: 'gateway',
        script: 'gateway/dist/src/main.js',
        portVariable: 'GATEWAY_PORT',
        url: `http://127.0.0.1:${gatewayPort}`,
        env: {
          ...cluster.common,
          ...upstreams,
          ...redisUsers.login('gateway'),
          GATEWAY_PORT: String(gatewayPort),
        },
        tail: [],
        errors: [],
      };
      await cluster.launch(cluster.gateway);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /**
   * Starts an instance and waits until it is ready. A port taken between its choice and the
   * program's bind (EADDRINUSE) is not a failure of the system: it starts again on another.
   */
  private async launch(instance: Instance, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.spawn(instance);
      try {
        await this.waitReady(instance);
        return;
      } catch (err) {
        if (attempt >= attempts || !instance.tail.some((l) => l.includes('EADDRINUSE'))) throw err;
        const port = await freePort();
        instance.url = `http://127.0.0.1:${port}`;
        instance.env[instance.portVariable] = String(port);
        instance.tail.length = 0;
        instance.errors.length = 0;
      }
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
  async kill(instance: Instance): Promise<void> {
    const child = instance.child!;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM, as an orchestrator stops a pod: waits until it has exited; returns its exit code. */
  async terminate(instance: Instance): Promise<number | null> {
    const child = instance.child!;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  }

  /** Starts a stopped instance again on its port and waits until it is ready. */
  async restart(instance: Instance): Promise<void> {
    this.spawn(instance);
    await this.waitReady(instance);
  }

  async stop(): Promise<void> {
    const all = this.started();
    await Promise.all(
      all.map(async (instance) => {
        const child = instance.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await Promise.all(Object.values(this.databases).map((d) => d.drop()));
    await this.redisUsers.drop();
  }

  /** Every instance created so far (the gateway only once the services were ready). */
  private started(): Instance[] {
    const services = SERVICES.flatMap((s) => this.instances[s] ?? []);
    return this.gateway ? [this.gateway, ...services] : services;
  }

  /** The last lines every process wrote (for diagnosing a failed test). */
  tails(lines = 200): string {
    return this.started()
      .map((i) => `--- ${i.label}\n${i.tail.slice(-lines).join('\n')}`)
      .join('\n');
  }

  private spawn(instance: Instance): void {
    const child = spawn(process.execPath, [path.join(ROOT, instance.script)], {
      env: { PATH: process.env.PATH ?? '', ...instance.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        instance.tail.push(line);
        if (instance.tail.length > 200) instance.tail.shift();
        if (/"level":"(error|fatal)"/.test(line)) instance.errors.push(line);
      });
    }
    instance.child = child;
    LIVE.add(child);
    child.once('exit', () => LIVE.delete(child));
  }

  private async waitReady(instance: Instance): Promise<void> {
    const path = instance === this.gateway ? '/health/live' : '/health/ready';
    const child = instance.child!;
    await eventually(
      async () => {
        if (child.exitCode !== null) return; // no use waiting: reported below
        const res = await fetch(`${instance.url}${path}`, { signal: AbortSignal.timeout(2000) });
        expect(res.status).toBe(200);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    if (child.exitCode !== null) {
      throw new Error(`${instance.label} exited ${child.exitCode}:\n${instance.tail.join('\n')}`);
    }
  }
}
