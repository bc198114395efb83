import fs from 'node:fs';
import path from 'node:path';
import { freePort, isAlive, isFree, run, spawnDetached, stopPid, waitFor, which } from './proc';
import { say } from './settings';
import { redisClusterOk, redisNodeAnswers, withRedisNode } from './redis-node';

/** One redis-server of the cluster: its ports, its directory, its process while it runs. */
export interface RedisHaNode {
  port: number;
  /** The cluster bus port (not port + 10,000, which may be past 65,535). */
  busPort: number;
  home: string;
  pid: number;
}

/** What a node says of itself in CLUSTER NODES. */
export interface RedisHaRole {
  port: number;
  role: 'primary' | 'replica';
  /** A replica's primary (its port); undefined for a primary. */
  primaryPort?: number;
  /** The slot ranges a primary serves, e.g. [[0, 5460]]. */
  slots: [number, number][];
}

export interface RedisHaOptions {
  /** Where each node keeps its `nodes.conf` and log (one folder per port). */
  dir: string;
  primaries?: number;
  replicasPerPrimary?: number;
  /**
   * How long a node may be unreachable before the others call it failed (redis
   * `cluster-node-timeout`): a replica takes over about one to three times this after its
   * primary stops answering. Managed Redis services use seconds; the default here is 1 s so a
   * test sees a failover quickly.
   */
  nodeTimeoutMs?: number;
  /** The nodes' ports (one per node); free ports when absent. Bus ports are 10,000 above. */
  ports?: number[];
}

const READY_MS = 30_000;

/**
 * A Redis Cluster in production's shape on this machine: `primaries` primaries, each with
 * `replicasPerPrimary` replicas, every node a redis-server process of its own (ports of its
 * own, no persistence, as a managed Redis' memory is). Started by `RedisHa.start`; a test or the
 * infrastructure tool then stops, kills (`kill -9`), restarts empty or destroys nodes or the whole
 * cluster. Self-contained: only `redis-server`, `redis-cli` and ioredis.
 *
 * A node restarted keeps its `nodes.conf` (its identity and the cluster's map) and nothing else:
 * a primary killed and restarted before its replica took over comes back empty, and its replica
 * then copies the empty data set (Redis restarted without persistence); one restarted after the
 * failover rejoins as a replica of the node that replaced it and copies its data.
 */
export class RedisHa {
  private constructor(
    private readonly options: Required<RedisHaOptions>,
    private readonly server: string,
    readonly nodes: RedisHaNode[],
  ) {}

  /**
   * Starts the nodes, joins them with `redis-cli --cluster create` (slots split evenly over the
   * first `primaries` nodes, the rest their replicas) and waits until every slot is served and
   * every primary has its replicas in sync. Throws, naming what is missing, where redis-server
   * or redis-cli is not installed; stops what it started if anything fails.
   */
  static async start(options: RedisHaOptions): Promise<RedisHa> {
    const server = which('redis-server');
    const cli = which('redis-cli');
    if (!server || !cli)
      throw new Error(
        'A local Redis Cluster needs redis-server and redis-cli (apt-get install redis-server)',
      );
    const settings: Required<RedisHaOptions> = {
      primaries: 3,
      replicasPerPrimary: 1,
      nodeTimeoutMs: 1000,
      ports: [],
      ...options,
    };
    const count = settings.primaries * (1 + settings.replicasPerPrimary);
    const nodes: RedisHaNode[] = [];
    const ha = new RedisHa(settings, server, nodes);
    try {
      for (let i = 0; i < count; i++) {
        const port = settings.ports[i] ?? (await freePort());
        const node = {
          port,
          // Redis' own choice, port + 10,000, where it is free; another free port otherwise.
          busPort:
            settings.ports[i] !== undefined &&
            port + 10_000 <= 65_535 &&
            (await isFree(port + 10_000))
              ? port + 10_000
              : await freePort(),
          home: path.join(settings.dir, String(port)),
          pid: 0,
        };
        fs.mkdirSync(node.home, { recursive: true });
        nodes.push(node);
        ha.launch(node);
      }
      for (const node of nodes)
        await waitFor(`Redis node ${node.port}`, () => redisNodeAnswers(node.port), READY_MS);
      run(cli, [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(settings.replicasPerPrimary),
        '--cluster-yes',
      ]);
      await ha.waitHealthy();
    } catch (err) {
      await ha.stop();
      throw err;
    }
    say(
      `Redis Cluster of ${settings.primaries} primaries with ${settings.replicasPerPrimary} replica(s) each on ports ${ha.ports.join(', ')}`,
    );
    return ha;
  }

  /** A cluster started by another process, from what `state` said of it. */
  static attach(state: { options: Required<RedisHaOptions>; nodes: RedisHaNode[] }): RedisHa {
    const server = which('redis-server') ?? 'redis-server';
    return new RedisHa(state.options, server, state.nodes);
  }

  /** What another process needs to stop it (`attach`). */
  get state(): { options: Required<RedisHaOptions>; nodes: RedisHaNode[] } {
    return { options: this.options, nodes: this.nodes };
  }

  /** REDIS_URL for it: every node, comma-separated (a list means cluster mode). */
  get url(): string {
    return this.ports.map((p) => `redis://127.0.0.1:${p}`).join(',');
  }

  get ports(): number[] {
    return this.nodes.map((n) => n.port);
  }

  /** Every node's role as the cluster sees it now (asked of the first node that answers). */
  async roles(): Promise<RedisHaRole[]> {
    for (const node of this.nodes) {
      const text = await withRedisNode(
        node.port,
        (r) => r.cluster('NODES') as Promise<string>,
      ).catch(() => undefined);
      if (text) return parseNodes(text);
    }
    throw new Error('no node of the Redis Cluster answers');
  }

  /** The port of the primary serving `key` now (the key as stored, prefix included). */
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
   * Starts a stopped or killed node again on its ports with its `nodes.conf` and no data, and
   * waits until it answers (not until the cluster is healthy again: `waitHealthy`).
   */
  async restartEmpty(port: number): Promise<void> {
    const node = this.node(port);
    if (running(node)) await this.kill(port);
    this.launch(node);
    await waitFor(`Redis node ${port}`, () => redisNodeAnswers(port), READY_MS);
  }

  /**
   * Every node killed and started again empty at once: the whole data set gone, the cluster's
   * map kept (a managed Redis restarted without persistence). Waits until it serves again.
   */
  async restartAllEmpty(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.port);
    for (const node of this.nodes) this.launch(node);
    for (const node of this.nodes)
      await waitFor(`Redis node ${node.port}`, () => redisNodeAnswers(node.port), READY_MS);
    await this.waitHealthy();
  }

  /**
   * Until every slot is served again by a primary that runs (after a kill: once a replica has
   * taken over), whether or not every primary has its replicas.
   */
  async waitServing(timeoutMs = READY_MS): Promise<void> {
    await waitFor(
      'every slot of the Redis Cluster to be served',
      async () => {
        const alive = new Set(this.nodes.filter(running).map((n) => n.port));
        const primaries = (await this.roles()).filter(
          (r) => r.role === 'primary' && r.slots.length > 0 && alive.has(r.port),
        );
        const served = primaries.flatMap((p) => p.slots).reduce((n, [a, b]) => n + b - a + 1, 0);
        if (served !== 16_384) return false;
        return (await Promise.all(primaries.map((p) => redisClusterOk(p.port)))).every(Boolean);
      },
      timeoutMs,
    );
  }

  /**
   * Until every slot is served by a primary that answers, the cluster says ok on every node
   * that runs, and every primary has `replicasPerPrimary` replicas in sync with it.
   */
  async waitHealthy(timeoutMs = READY_MS): Promise<void> {
    await waitFor(
      'the Redis Cluster to be healthy',
      async () => {
        const states = await Promise.all(
          this.nodes.filter(running).map((n) => redisClusterOk(n.port)),
        );
        if (!states.every(Boolean)) return false;
        const roles = await this.roles();
        const primaries = roles.filter((r) => r.role === 'primary' && r.slots.length > 0);
        const served = primaries.flatMap((p) => p.slots).reduce((n, [a, b]) => n + b - a + 1, 0);
        if (served !== 16_384) return false;
        for (const p of primaries) {
          const synced = await withRedisNode(p.port, async (r) =>
            replicasInSync(String(await r.info('replication'))),
          );
          if (synced < this.options.replicasPerPrimary) return false;
        }
        return true;
      },
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
    fs.rmSync(this.options.dir, { recursive: true, force: true });
  }

  private node(port: number): RedisHaNode {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node of this Redis Cluster listens on ${port}`);
    return node;
  }

  private launch(node: RedisHaNode): void {
    // prettier-ignore
    node.pid = spawnDetached(this.server, [
      '--port', String(node.port), '--cluster-port', String(node.busPort), '--bind', '127.0.0.1',
      '--cluster-enabled', 'yes', '--cluster-config-file', path.join(node.home, 'nodes.conf'),
      '--cluster-node-timeout', String(this.options.nodeTimeoutMs),
      // A replica takes over however long it was cut off from its primary (a managed service's
      // choice too: availability first, the writes it had not received are lost).
      '--cluster-replica-validity-factor', '0',
      // The shards that still have a primary keep serving while one is failing over.
      '--cluster-require-full-coverage', 'no',
      '--save', '', '--appendonly', 'no', '--dir', node.home,
      '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0',
    ], path.join(node.home, 'redis.log'));
  }
}

/** A node's process runs (pid 0: never started; `kill(0)` would signal our own group). */
const running = (node: RedisHaNode) => node.pid > 0 && isAlive(node.pid);

/** Starts a Redis Cluster in production's shape (see RedisHa). */
export const startRedisHa = (options: RedisHaOptions) => RedisHa.start(options);

/** CLUSTER NODES as roles; nodes marked failed or without an address are left out. */
export function parseNodes(text: string): RedisHaRole[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f.length >= 8);
  const portOf = new Map(lines.map((f) => [f[0]!, Number(/:(\d+)@/.exec(f[1]!)?.[1] ?? 0)]));
  return lines
    .filter((f) => !f[2]!.includes('fail') && !f[2]!.includes('noaddr'))
    .map((f) => {
      const primary = f[2]!.includes('master');
      return {
        port: portOf.get(f[0]!)!,
        role: primary ? 'primary' : 'replica',
        primaryPort: primary ? undefined : portOf.get(f[3]!),
        slots: f
          .slice(8)
          .filter((s) => /^\d+(-\d+)?$/.test(s))
          .map((s) => {
            const [a, b] = s.split('-').map(Number);
            return [a!, b ?? a!] as [number, number];
          }),
      };
    });
}

/** Replicas of a primary whose link is up (`INFO replication`). */
function replicasInSync(info: string): number {
  return [...info.matchAll(/^slave\d+:.*state=online/gm)].length;
}

/** The cluster slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16,384. */
export function slotOf(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(hashed, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16_384;
}
