import { redisClusterOk, withRedisNode } from './redis-node';

/** What a node says of itself in CLUSTER NODES. */
export interface RedisRole {
  port: number;
  role: 'primary' | 'replica';
  /** A replica's primary (its port); undefined for a primary. */
  primaryPort?: number;
  /** The slot ranges a primary serves, e.g. [[0, 5460]]. */
  slots: [number, number][];
}

const SLOTS = 16_384;

/** Every node's role as the cluster sees it now (asked of the first of `ports` that answers). */
export async function clusterRoles(ports: number[]): Promise<RedisRole[]> {
  for (const port of ports) {
    const text = await withRedisNode(port, (r) => r.cluster('NODES') as Promise<string>).catch(
      () => undefined,
    );
    if (text) return parseNodes(text);
  }
  throw new Error('no node of the Redis Cluster answers');
}

/**
 * Every slot is served by a primary among `running` (after a kill: once a replica has taken
 * over) that sees the cluster as ok, whether or not every primary has its replicas.
 */
export async function everySlotServed(running: number[]): Promise<boolean> {
  const alive = new Set(running);
  const primaries = (await clusterRoles(running)).filter(
    (r) => r.role === 'primary' && r.slots.length > 0 && alive.has(r.port),
  );
  if (slotsOf(primaries) !== SLOTS) return false;
  return (await Promise.all(primaries.map((p) => redisClusterOk(p.port)))).every(Boolean);
}

/**
 * Every node of `running` sees the cluster as ok, every slot is served, and every primary has
 * `replicasPerPrimary` replicas in sync with it.
 */
export async function clusterHealthy(
  running: number[],
  replicasPerPrimary: number,
): Promise<boolean> {
  if (!(await Promise.all(running.map(redisClusterOk))).every(Boolean)) return false;
  const primaries = (await clusterRoles(running)).filter(
    (r) => r.role === 'primary' && r.slots.length > 0,
  );
  if (slotsOf(primaries) !== SLOTS) return false;
  for (const p of primaries) {
    const synced = await withRedisNode(p.port, async (r) =>
      replicasInSync(String(await r.info('replication'))),
    );
    if (synced < replicasPerPrimary) return false;
  }
  return true;
}

const slotsOf = (primaries: RedisRole[]) =>
  primaries.flatMap((p) => p.slots).reduce((n, [a, b]) => n + b - a + 1, 0);

/** CLUSTER NODES as roles; nodes marked failed or without an address are left out. */
export function parseNodes(text: string): RedisRole[] {
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
  return crc % SLOTS;
}
