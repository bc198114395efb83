/** Redis' own figures (INFO), read around a measurement by the queue scenarios. */
import type Redis from 'ioredis';

export async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)![1]);
}

/** Calls per command (scripts' own calls included, as Redis counts them). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map(
    [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+),/gm)].map((m) => [m[1]!, Number(m[2])]),
  );
}

export function diffCalls(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([name, calls]) => [name, calls - (before.get(name) ?? 0)] as const)
    .filter(([name, calls]) => calls > 0 && name !== 'info')
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => `${name} ${calls}`)
    .join(', ');
}

/** Requests Redis read from its clients: a pipeline (or a lone command) is one round trip. */
export async function readsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/^total_reads_processed:(\d+)/m.exec(info)![1]);
}

export async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/^total_commands_processed:(\d+)/m.exec(info)![1]);
}

/** Microseconds Redis spent executing commands since it started (all commands). */
export async function redisBusyUs(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+),/gm))
    if (m[1] !== 'info') total += Number(m[2]); // not this measurement's own INFO
  return total;
}

export async function removeKeys(redis: Redis, prefix: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
}
