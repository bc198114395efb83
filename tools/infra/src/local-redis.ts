import fs from 'node:fs';
import path from 'node:path';
import { freePort, isAlive, isFree, run, spawnDetached, stopPid, waitFor, which } from './proc';
import {
  clusterHealthy,
  clusterRoles,
  everySlotServed,
  slotOf,
  type RedisRole,
} from './redis-cluster';
import { redisNodeAnswers } from './redis-node';

/** One redis-server: its ports, its folder, its process while it runs. */
export interface RedisNode {
  port: number;
  /** A cluster node's bus port (not always port + 10,000, which may be past 65,535). */
  busPort?: number;
  home: string;
  pid: number;
}

export interface RedisClusterOptions {
  primaries?: number;
  replicasPerPrimary?: number;
  /**
   * How long a node may be unreachable before the others call it failed (redis
   * `cluster-node-timeout`): a replica takes over about one to three times this after its
   * primary stops answering.
   */
  nodeTimeoutMs?: number;
}

export interface LocalRedisOptions {
  /** Where each node keeps its files and log (a folder per port). */
  dir: string;
  /** A Redis Cluster, in production's shape unless told otherwise; one server when absent. */
  cluster?: RedisClusterOptions;
  /** The nodes' ports, one per node; free ports when absent. */
  ports?: number[];
}

/** What another process needs to drive the same nodes (`LocalRedis.attach`). */
export interface LocalRedisState {
  dir: string;
  cluster?: Required<RedisClusterOptions>;
  nodes: RedisNode[];
}

const CLUSTER_DEFAULTS: Required<RedisClusterOptions> = {
  // Production's shape (ADR 0024): three shards, each with a replica to fail over to.
  primaries: 3,
  replicasPerPrimary: 1,
  // A managed Redis notices a lost node in seconds; a test that wants to watch a failover
  // quickly passes less.
  nodeTimeoutMs: 5000,
};

/** A cluster's settings: the caller's, production's shape for what it leaves out. */
export const clusterSettings = (options: RedisClusterOptions): Required<RedisClusterOptions> => ({
  ...CLUSTER_DEFAULTS,
  ...options,
});

const READY_MS = 30_000;

/**
 * Redis on this machine, from the `redis-server` binary: one server, or a Redis Cluster with or
 * without replicas. Every node is a process of its own (its own port and folder, no persistence,
 * as a managed Redis' memory is) that outlives this process, so a test or the infrastructure
 * tool can stop, kill (`kill -9`), restart empty or destroy nodes or all of them.
 *
 * A cluster node restarted keeps its `nodes.conf` (its identity and the cluster's map) and
 * nothing else: a primary killed and restarted before its replica took over comes back empty,
 * and its replica then copies the empty data set (Redis restarted without persistence); one
 * restarted after the failover rejoins as a replica of the node that replaced it.
 */
export class LocalRedis {
  private constructor(
    readonly state: LocalRedisState,
    private readonly server: string,
  ) {}

  /**
   * Starts the nodes and waits until they serve: a cluster's are joined with `redis-cli
   * --cluster create` (slots split evenly over the first `primaries` nodes, the rest their
   * replicas) and waited for until every primary has its replicas in sync. Throws, naming what
   * is missing, where redis-server or redis-cli is not installed; stops what it started if
   * anything fails.
   */
  static async start(options: LocalRedisOptions): Promise<LocalRedis> {
    const server = which('redis-server');
    const cli = which('redis-cli');
    if (!server || (options.cluster && !cli))
      throw new Error(
        `${options.cluster ? 'A local Redis Cluster needs redis-server and redis-cli' : 'A local Redis needs redis-server'} (apt-get install redis-server)`,
      );
    const cluster = options.cluster && clusterSettings(options.cluster);
    const count = cluster ? cluster.primaries * (1 + cluster.replicasPerPrimary) : 1;
    const redis = new LocalRedis({ dir: options.dir, cluster, nodes: [] }, server);
    try {
      for (let i = 0; i < count; i++) {
        const node = await newNode(options.dir, options.ports?.[i], cluster !== undefined);
        redis.nodes.push(node);
        redis.launch(node);
      }
      for (const node of redis.nodes) await answers(node.port);
      if (cluster)
        run(cli!, [
          '--cluster',
          'create',
          ...redis.ports.map((p) => `127.0.0.1:${p}`),
          '--cluster-replicas',
          String(cluster.replicasPerPrimary),
          '--cluster-yes',
        ]);
      await redis.waitHealthy();
    } catch (err) {
      await redis.stop();
      throw err;
    }
    return redis;
  }

  /** Nodes started by another process, from what `state` said of them. */
  static attach(state: LocalRedisState): LocalRedis {
    return new LocalRedis(state, which('redis-server') ?? 'redis-server');
  }

  get nodes(): RedisNode[] {
    return this.state.nodes;
  }

  /** REDIS_URL for it: every node, comma-separated (a list means cluster mode). */
  get url(): string {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** A cluster's every node's role as the cluster sees it now. */
  async roles(): Promise<RedisRole[]> {
    this.mustBeCluster('roles');
    return clusterRoles(this.ports);
  }

  /** The port of the cluster's primary serving `key` now (the key as stored, prefix included). */
  async primaryOf(key: string): Promise<number> {
    const slot = slotOf(key);
    const primary = (await this.roles()).find(
      (r) => r.role === 'primary' && r.slots.some(([a, b]) => a <= slot && slot <= b),
    );
    if (!primary) throw new Error(`no primary serves slot ${slot} now`);
    return primary.port;
  }

  /** `kill -9` of a node: no shutdown, nothing flushed, its sockets cut. */
  async kill(port: number): Promise<void> {
    const node = this.node(port);
    if (!running(node)) return;
    process.kill(node.pid, 'SIGKILL');
    await waitFor(`Redis node ${port} to die`, async () => !isAlive(node.pid), 10_000);
  }

  /** A clean shutdown of a node (SIGTERM). */
  async stopNode(port: number): Promise<void> {
    const node = this.node(port);
    if (running(node)) await stopPid(node.pid, 10_000);
  }

  /**
   * Starts a stopped or killed node again on its ports (a cluster node with its `nodes.conf`)
   * and no data, and waits until it answers (not until a cluster is healthy again:
   * `waitHealthy`).
   */
  async restartEmpty(port: number): Promise<void> {
    const node = this.node(port);
    await this.kill(port);
    this.launch(node);
    await answers(port);
  }

  /**
   * Every node killed and started again empty at once: the whole data set gone, a cluster's map
   * kept (a managed Redis restarted without persistence). Waits until it serves again.
   */
  async restartAllEmpty(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.port);
    for (const node of this.nodes) this.launch(node);
    for (const node of this.nodes) await answers(node.port);
    await this.waitHealthy();
  }

  /** Until every slot of the cluster is served again by a primary that runs (after a kill). */
  async waitServing(timeoutMs = READY_MS): Promise<void> {
    this.mustBeCluster('waitServing');
    await waitFor(
      'every slot of the Redis Cluster to be served',
      () => everySlotServed(this.nodes.filter(running).map((n) => n.port)),
      timeoutMs,
    );
  }

  /**
   * Until every node that runs answers; for a cluster, until every slot is served, the cluster
   * is ok on every node that runs, and every primary has its replicas in sync.
   */
  async waitHealthy(timeoutMs = READY_MS): Promise<void> {
    const { cluster } = this.state;
    const ports = () => this.nodes.filter(running).map((n) => n.port);
    await waitFor(
      cluster ? 'the Redis Cluster to be healthy' : 'Redis',
      async () =>
        cluster
          ? clusterHealthy(ports(), cluster.replicasPerPrimary)
          : (await Promise.all(ports().map(redisNodeAnswers))).every(Boolean),
      timeoutMs,
    );
  }

  /** Every node stopped (SIGTERM); its folder kept. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.filter(running).map((n) => stopPid(n.pid, 10_000)));
  }

  /** Every node stopped and its folder removed. */
  async destroy(): Promise<void> {
    await this.stop();
    fs.rmSync(this.state.dir, { recursive: true, force: true });
  }

  private node(port: number): RedisNode {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this Redis listens on ${port}`);
    return node;
  }

  private mustBeCluster(what: string): void {
    if (!this.state.cluster) throw new Error(`${what}: this Redis is one server, not a cluster`);
  }

  private launch(node: RedisNode): void {
    node.pid = spawnDetached(
      this.server,
      redisServerArgs(node, this.state.cluster),
      path.join(node.home, 'redis.log'),
    );
  }
}

/** The command line of a node: loopback only, no persistence (a managed Redis' memory). */
export function redisServerArgs(
  node: RedisNode,
  cluster?: Required<RedisClusterOptions>,
): string[] {
  // prettier-ignore
  const single = [
    '--port', String(node.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', node.home,
  ];
  if (!cluster) return single;
  // prettier-ignore
  return [
    ...single,
    '--cluster-enabled', 'yes', '--cluster-port', String(node.busPort),
    '--cluster-config-file', path.join(node.home, 'nodes.conf'),
    '--cluster-node-timeout', String(cluster.nodeTimeoutMs),
    // A replica takes over however long it was cut off from its primary (a managed service's
    // choice too: availability first, the writes it had not received are lost).
    '--cluster-replica-validity-factor', '0',
    // The shards that still have a primary keep serving while one is failing over.
    '--cluster-require-full-coverage', 'no',
    '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
  ];
}

/** A node on `port` (a free one when absent) with its folder under `dir`, not yet started. */
async function newNode(dir: string, given: number | undefined, cluster: boolean) {
  const port = given ?? (await freePort());
  // Redis' own choice of bus port, port + 10,000, where a port was given and that one is free.
  const ownBus = given !== undefined && port + 10_000 <= 65_535 && (await isFree(port + 10_000));
  const busPort = cluster ? (ownBus ? port + 10_000 : await freePort()) : undefined;
  const node: RedisNode = { port, busPort, home: path.join(dir, String(port)), pid: 0 };
  fs.mkdirSync(node.home, { recursive: true });
  return node;
}

const answers = (port: number) =>
  waitFor(`Redis node ${port}`, () => redisNodeAnswers(port), READY_MS);

/** A node's process runs (pid 0: never started; `kill(0)` would signal our own group). */
const running = (node: RedisNode) => node.pid > 0 && isAlive(node.pid);
