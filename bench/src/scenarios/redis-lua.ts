import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { queueKeys } from '@ticketing/auth';
import { grantActiveToken } from '@ticketing/testing';
import Redis from 'ioredis';
import { TOUCH } from '../../../services/queue/dist/src/data-access/scripts';
import type { LoadResult } from '../load';
import type { Row } from '../report';
import type { BenchContext } from '../context';

/**
 * The ceiling under a status poll: redis-benchmark (100 connections, like the HTTP runs)
 * calling the queue's own poll script (EVALSHA TOUCH) on an ACTIVE token, with no HTTP, JWT or
 * Node in the way. Skipped where redis-benchmark is not installed.
 */
export async function redisLuaScenario(ctx: BenchContext): Promise<Row[]> {
  const url = new URL(ctx.infra.redisUrl);
  const prefix = `bench-lua-${Date.now()}:`;
  const concertId = randomInt(1, 2 ** 31);
  const { tokenId } = await grantActiveToken({
    redisUrl: ctx.infra.redisUrl,
    keyPrefix: prefix,
    secret: ctx.serviceEnv.QUEUE_TOKEN_SECRET!,
    concertId,
  });
  const redis = new Redis(ctx.infra.redisUrl);
  try {
    const sha = (await redis.script('LOAD', TOUCH)) as string;
    const k = queueKeys(concertId);
    const keys = [k.waiting, k.active, k.seen, k.tokens, k.users, k.sales].map(
      (key) => prefix + key,
    );
    const requests = ctx.smoke ? 2_000 : 200_000;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const run = spawnSync(
      'redis-benchmark',
      ['-h', url.hostname, '-p', url.port || '6379', '-c', '100', '-n', String(requests)].concat([
        '--csv',
        'EVALSHA',
        sha,
        String(keys.length),
        ...keys,
        tokenId,
        '60000',
      ]),
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (run.error || run.status !== 0) return []; // not installed here: no row rather than a wrong one
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    const last = run.stdout.trim().split('\n').pop()!;
    const cells = last.split(',').map((c) => c.replace(/"/g, ''));
    const cpu = process.cpuUsage(cpuBefore);
    const measured: LoadResult = {
      label: 'redis-benchmark EVALSHA touch',
      requestsPerSecond: Math.round(Number(cells[1])),
      p50Ms: Number(cells[4]),
      p99Ms: Number(cells[6]),
      non2xx: 0,
      errors: 0,
      total: requests,
      generatorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
      durationSeconds: (Date.now() - started) / 1000,
    };
    return [
      {
        scenario: 'ceiling: redis-benchmark, queue poll script (EVALSHA), 100 conns',
        measured,
        notes: 'the Redis work of one status poll, without HTTP, JWT or Node',
      },
    ];
  } finally {
    await redis.del(...(await redis.keys(`${prefix}*`)), 'bench-none');
    redis.disconnect();
  }
}
