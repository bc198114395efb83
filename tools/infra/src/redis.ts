import path from 'node:path';
import { LocalRedis } from './local-redis';
import { isAlive, stopPid, which } from './proc';
import { redisNodeAnswers } from './redis-node';
import { INFRA_DIR, say } from './settings';
import type { InfraState } from './state';

export async function redisReachable(url: string): Promise<boolean> {
  // A cluster's node list: the first node stands for it here (redisUp checks every node).
  return redisNodeAnswers(url.split(',')[0]!.trim()).catch(() => false);
}

export async function redisUp(url: string, state: InfraState): Promise<void> {
  const nodes = url.split(',').map((u) => u.trim());
  if (nodes.length > 1) {
    // A Redis Cluster (the production shape's, or an existing one): used as it is, never started here.
    const down = [];
    for (const node of nodes) if (!(await redisReachable(node))) down.push(node);
    if (down.length > 0) throw new Error(`Redis Cluster nodes do not answer: ${down.join(', ')}`);
    return say(`Redis Cluster reachable at ${nodes.map((n) => new URL(n).host).join(',')}`);
  }
  if (await redisReachable(url)) {
    say(`Redis reachable at ${new URL(url).host}`);
    return;
  }
  if (!which('redis-server')) {
    throw new Error(
      `No Redis answers at ${new URL(url).host} and redis-server is not installed. ` +
        'Install it (apt-get install redis-server) or run the stack with `docker compose up`.',
    );
  }
  const port = Number(new URL(url).port || 6379);
  say(`starting a private Redis on port ${port}`);
  const redis = await LocalRedis.start({ dir: path.join(INFRA_DIR, 'redis'), ports: [port] });
  state.redis = { pid: redis.nodes[0]!.pid, port };
}

export async function redisDown(state: InfraState): Promise<void> {
  if (!state.redis) return;
  if (isAlive(state.redis.pid)) await stopPid(state.redis.pid);
  say('private Redis stopped');
  delete state.redis;
}
