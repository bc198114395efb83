import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, isAlive, run, spawnDetached, stopPid, waitFor, which } from './proc';
import { say } from './settings';

/** A Redis Cluster of primaries on this machine, from the `redis-server` binary. */
export interface LocalRedisCluster {
  /** REDIS_URL for it: every node, comma-separated (a list means cluster mode). */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * Starts `primaries` redis-server processes in cluster mode (each its own port and directory
 * under `dir`, no persistence), joins them with `redis-cli --cluster create` (the 16,384 slots
 * split evenly, no replicas) and waits until every node reports the cluster ok. Throws, naming
 * what is missing, where redis-server or redis-cli is not installed.
 */
export async function startRedisCluster(dir: string, primaries = 3): Promise<LocalRedisCluster> {
  const server = which('redis-server');
  const cli = which('redis-cli');
  if (!server || !cli)
    throw new Error(
      'A local Redis Cluster needs redis-server and redis-cli (apt-get install redis-server)',
    );
  const ports: number[] = [];
  const pids: number[] = [];
  const stop = async () => {
    await Promise.all(pids.filter(isAlive).map((pid) => stopPid(pid, 10_000)));
  };
  try {
    for (let i = 0; i < primaries; i++) {
      const port = await freePort();
      const bus = await freePort(); // not port + 10,000, which may be past 65,535
      const home = path.join(dir, String(port));
      fs.mkdirSync(home, { recursive: true });
      // prettier-ignore
      pids.push(spawnDetached(server, [
        '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', path.join(home, 'nodes.conf'), '--save', '', '--appendonly', 'no',
        '--dir', home,
      ], path.join(home, 'redis.log')));
      ports.push(port);
    }
    for (const port of ports) await waitFor(`Redis node ${port}`, () => ping(port), 15_000);
    run(cli, [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitFor(
      'the Redis Cluster',
      async () => (await Promise.all(ports.map(ok))).every(Boolean),
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  say(`Redis Cluster of ${primaries} primaries on ports ${ports.join(', ')}`);
  return { url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','), ports, stop };
}

async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

const ping = (port: number) => withNode(port, async (r) => (await r.ping()) === 'PONG');
const ok = (port: number) =>
  withNode(port, async (r) => String(await r.cluster('INFO')).includes('cluster_state:ok'));
