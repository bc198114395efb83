import fs from 'node:fs';
import path from 'node:path';
import { freePort, isAlive, run, spawnDetached, stopPid, waitFor, which } from './proc';
import { say } from './settings';
import { redisClusterOk, redisNodeAnswers } from './redis-node';

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
    for (const port of ports)
      await waitFor(`Redis node ${port}`, () => redisNodeAnswers(port), 15_000);
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
      async () => (await Promise.all(ports.map(redisClusterOk))).every(Boolean),
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  say(`Redis Cluster of ${primaries} primaries on ports ${ports.join(', ')}`);
  return { url: ports.map((p) => `redis://127.0.0.1:${p}`).join(','), ports, stop };
}
