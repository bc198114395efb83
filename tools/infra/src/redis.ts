import fs from 'node:fs';
import path from 'node:path';
import { isAlive, spawnDetached, stopPid, waitFor, which } from './proc';
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
  const bin = which('redis-server');
  if (!bin) {
    throw new Error(
      `No Redis answers at ${new URL(url).host} and redis-server is not installed. ` +
        'Install it (apt-get install redis-server) or run the stack with `docker compose up`.',
    );
  }
  const port = Number(new URL(url).port || 6379);
  const dir = path.join(INFRA_DIR, 'redis');
  fs.mkdirSync(dir, { recursive: true });
  say(`starting a private Redis on port ${port}`);
  const pid = spawnDetached(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    path.join(dir, 'redis.log'),
  );
  state.redis = { pid, port };
  await waitFor('Redis', () => redisReachable(url), 15_000);
}

export async function redisDown(state: InfraState): Promise<void> {
  if (!state.redis) return;
  if (isAlive(state.redis.pid)) await stopPid(state.redis.pid);
  say('private Redis stopped');
  delete state.redis;
}
