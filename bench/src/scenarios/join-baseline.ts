import { randomInt } from 'node:crypto';
import path from 'node:path';
import { ROOT } from '@ticketing/infra';
import Redis from 'ioredis';
import { dropDatabase, ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import type { BenchContext } from '../context';
import { cpuBreakdown, pidsMatching } from '../cpu';
import { joinCrowd } from '../fans';
import { startInstances } from '../processes';
import { removeKeys } from '../redis-info';
import type { Row } from '../report';
import { uniqueStamp } from '../stamps';

// The pre-issue-33 code needed a shared pass secret; today's code ignores the variable.
const LEGACY_PASS_SECRET = 'bench-legacy-pass-secret-0123456789abcdef';

/**
 * CPU per join of this checkout against another commit's, in one run (`--only=join-baseline`,
 * on request): `BENCH_BASELINE_DIR` is a built checkout of that commit (`git worktree add
 * ../before <commit> && cd ../before && npm install && npm run build`). Each round starts that
 * checkout's queue and gateway, then this one's, and sends both the same crowd (new identities,
 * `BENCH_JOIN_RATE`, default 2,000/s: the rate the waiting room's goal is set at) through their own
 * gateway; CPU across queue, gateway, Redis and Postgres, alternating twice so that a drift of the machine
 * shows as a spread, not as a difference.
 */
export async function joinBaselineScenario(ctx: BenchContext): Promise<Row[]> {
  // The smoke run (inside npm test) compares this checkout with itself: the path runs, no figure.
  const baseline = process.env.BENCH_BASELINE_DIR ?? (ctx.smoke ? ROOT : undefined);
  if (!baseline) throw new Error('join-baseline: set BENCH_BASELINE_DIR to a built checkout');
  const rate = Number(process.env.BENCH_JOIN_RATE ?? 2000);
  const amount = ctx.smoke ? 200 : rate * 5;
  // BENCH_JOIN_ROUNDS: more rounds narrow the spread of the ratio (the machine drifts ±5 %).
  const rounds = ctx.smoke ? 1 : Number(process.env.BENCH_JOIN_ROUNDS ?? 2);
  const rows: Row[] = [];
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const costs: number[] = [];
    for (const [label, root] of [
      [`baseline (${path.basename(path.resolve(baseline))})`, path.resolve(baseline)],
      ['this checkout', ROOT],
    ] as const) {
      const joins = await measureJoins(ctx, root, rate, amount);
      costs.push(joins.total);
      rows.push({
        scenario: `join-baseline: ${label}, round ${round}`,
        measured: joins.result,
        notes: `CPU per join ${joins.total.toFixed(3)} ms (queue ${joins.queue.toFixed(3)}, gateway ${joins.gateway.toFixed(3)}, Redis ${joins.redis.toFixed(3)}, Postgres ${joins.postgres.toFixed(3)}) at ${rate.toLocaleString('en')}/s through its own gateway`,
      });
    }
    ratios.push(costs[1]! / costs[0]!);
  }
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  rows.push({
    scenario: 'join-baseline: this checkout ÷ baseline',
    value: `${mean.toFixed(3)} (mean of ${ratios.length} rounds)`,
    notes: `CPU per join of this checkout as a share of the baseline's, round by round: ${ratios.map((r) => r.toFixed(3)).join(', ')}`,
  });
  return rows;
}

async function measureJoins(ctx: BenchContext, root: string, rate: number, amount: number) {
  const stamp = uniqueStamp();
  const prefix = `bench-jb-${stamp}:`;
  // A queue database of each checkout's own: the two may not share a migration history.
  const database = withDatabase(ctx.infra.databaseUrl, `bench_jb_${stamp}`);
  await ensureDatabase(database);
  const env = {
    ...ctx.serviceEnv,
    ...ctx.queueEnv,
    DATABASE_URL: database,
    QUEUE_TOKEN_SECRET: LEGACY_PASS_SECRET,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_ADMIT_PER_SECOND: '0',
    QUEUE_IDLE_TIMEOUT_SECONDS: '86400',
  };
  const queue = await startInstances('queue', `${root}/services/queue/dist/src/main.js`, env, 1);
  const gateway = await startInstances(
    'gateway',
    `${root}/gateway/dist/src/main.js`,
    { ...env, QUEUE_URLS: queue.urls[0]! },
    1,
    '/health/live',
    'GATEWAY_PORT',
  );
  const redis = new Redis(ctx.infra.redisUrl);
  try {
    const concertId = randomInt(1, 2 ** 31 - 2);
    // Both codes know a concert from this set (KNOWN_CONCERTS_KEY then and now).
    await redis.sadd(`${prefix}queue:known-concerts`, concertId, concertId + 1);
    const crowd = (concert: number, n: number) => joinCrowd(ctx, gateway.urls, concert, n, rate, 0);
    await crowd(concertId + 1, Math.min(amount, 2 * rate)); // the JIT warms up first
    const groups = {
      queue: () => [queue.procs[0]!.child.pid!],
      gateway: () => [gateway.procs[0]!.child.pid!],
      redis: () => pidsMatching('redis-server'),
      // Numbers recorded before they are told (ADR 0038): a statement shared by joins in flight.
      postgres: () => pidsMatching('postgres'),
    };
    const measured = await cpuBreakdown(groups, () => crowd(concertId, amount));
    const per = (k: string) =>
      (1000 * (measured.seconds[k] ?? 0)) / Math.max(1, measured.result.total);
    return {
      result: measured.result,
      queue: per('queue'),
      gateway: per('gateway'),
      redis: per('redis'),
      postgres: per('postgres'),
      total: per('queue') + per('gateway') + per('redis') + per('postgres'),
    };
  } finally {
    await gateway.stop();
    await queue.stop();
    await removeKeys(redis, prefix);
    redis.disconnect();
    await dropDatabase(database).catch(() => undefined);
  }
}
