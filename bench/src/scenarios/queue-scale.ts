import { randomInt } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TokenSigner, queueKeys, tokenIdOf } from '@ticketing/queue-pass';
import { ROOT } from '@ticketing/infra';
import Redis from 'ioredis';
import { RedisQueueStore } from '../../../services/queue/dist/src/data-access/queue-store';
import { Liveness } from '../../../services/queue/dist/src/domain/liveness';
import type { BenchContext } from '../context';
import { cpuBreakdown, pidsMatching } from '../cpu';
import { twoHopFloor } from '../floor';
import { joinCrowd } from '../fans';
import { queueLines, type QueueLines } from '../queue-lines';
import { runOpenLoop } from '../open-loop';
import { serviceMain, startInstances } from '../processes';
import {
  commandCalls,
  commandsProcessed,
  diffCalls,
  readsProcessed,
  removeKeys,
  usedMemory,
} from '../redis-info';
import { tickRows } from './queue-scale-tick';
import { streamRows } from './queue-streams';
import type { Row } from '../report';
import { uniqueStamp } from '../stamps';

const IDLE_FOREVER = '86400'; // the fill never polls: it must not go idle during the run
const FILL_CONCURRENCY = 2000;
// Joins arrive as a crowd does: fast (a million fans in a minute would be 16,000/s), and the CPU
// per join is measured at that pace, where the processes wake for many joins at once.
const JOIN_RATE = Number(process.env.BENCH_JOIN_RATE ?? 1000);
// The snapshot's settle time (services/queue line-store BIT_SURELY_SET_MS), and a second.
const FILL_SETTLE_MS = 11_000;

/** The fan of number n in this scenario's crowd (deterministic: nothing kept per fan here). */
const fanOf = (n: number) => `fan-${n}`;

/**
 * The waiting room at scale (ADR 0015): one concert filled with 1,000, 100,000 and 1,000,000
 * waiting fans (through the queue's own store code: the join's Redis steps, without HTTP), and
 * at each size joins and polls through the gateway (budgets on) measured: Redis bytes per fan,
 * latency, CPU per join across the queue, the gateway and Redis, Redis commands per 1,000 polls
 * (every process's, from Redis' own count). Then the admission tick's Redis time at 100, 10,000
 * and 100,000 admissions per tick, and one sweep of idle fans over the whole crowd.
 */
export async function queueScaleScenario(ctx: BenchContext): Promise<Row[]> {
  // BENCH_QUEUE_SIZES=1000,100000 narrows a run while working on one figure.
  const sizes = process.env.BENCH_QUEUE_SIZES
    ? process.env.BENCH_QUEUE_SIZES.split(',').filter(Number).map(Number) // 'none': streams only
    : ctx.smoke
      ? [1000, 3000]
      : [1000, 100_000, 1_000_000];
  const prefix = `bench-qs-${uniqueStamp()}:`;
  const env = {
    ...ctx.serviceEnv,
    ...ctx.queueEnv,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_ADMIT_PER_SECOND: '0',
    QUEUE_IDLE_TIMEOUT_SECONDS: IDLE_FOREVER,
  };
  const queue = await startInstances('queue', serviceMain('queue'), env, 1);
  const gateway = await startInstances(
    'gateway',
    path.join(ROOT, 'gateway/dist/src/main.js'),
    { ...env, QUEUE_URLS: queue.urls[0]! },
    1,
    '/health/live',
    'GATEWAY_PORT',
  );
  const redis = new Redis(ctx.infra.redisUrl, { keyPrefix: prefix, enableAutoPipelining: true });
  const monitor = new Redis(ctx.infra.redisUrl);
  const store = new RedisQueueStore(redis, prefix);
  const lines = await queueLines(ctx, Number(IDLE_FOREVER) * 1000);
  const fill = crowdFill(lines);
  const signer = new TokenSigner(ctx.serviceEnv.QUEUE_PASS_SIGNING_KEY!);
  const rows: Row[] = [];
  try {
    const concertId = randomInt(1, 2 ** 31 - 1);
    await store.concerts.rememberConcert(concertId);
    // Two seconds of joins first, unmeasured, to a concert of their own (the measured one's
    // numbers stay the fill's): the processes' JIT warms up on the path that is measured.
    if (!ctx.smoke) {
      const warmUpConcert = concertId + 1;
      await store.concerts.rememberConcert(warmUpConcert);
      await joinCrowd(ctx, gateway.urls, warmUpConcert, 2 * JOIN_RATE, JOIN_RATE, 0);
    }
    const usedBefore = await usedMemory(monitor);
    const groups = {
      queue: () => queue.procs.map((p) => p.child.pid!),
      gateway: () => gateway.procs.map((p) => p.child.pid!),
      redis: () => pidsMatching('redis-server'),
      // A join is answered once Postgres records its number (ADR 0038).
      postgres: () => pidsMatching('postgres'),
    };
    // The floor a join is compared with: the same requests at the same rate through two bare
    // Node HTTP hops (a proxy and a server, nothing else), measured in this run.
    const floorMs = ctx.smoke
      ? undefined
      : await twoHopFloor(JOIN_RATE, () => ({
          method: 'POST',
          path: '/queue/tokens',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${'x'.repeat(900)}`,
          },
          body: JSON.stringify({ concertId }),
        }));
    if (floorMs !== undefined)
      rows.push({
        scenario: 'queue-scale: floor, two bare Node HTTP hops',
        value: `${floorMs.toFixed(3)} ms CPU per request`,
        notes: `CPU per request ${floorMs.toFixed(3)} ms across the proxy and the server at ${JOIN_RATE.toLocaleString('en')}/s: the least a join through a Node gateway to a Node service costs here, before identity checks, budgets, Redis, signing or a framework`,
      });
    let filled = 0;
    for (const size of sizes) {
      const fillStarted = Date.now();
      await fill(store, concertId, filled, size);
      filled = size;
      const fillSeconds = (Date.now() - fillStarted) / 1000;
      const bytesPerFan = ((await usedMemory(monitor)) - usedBefore) / size;
      const epoch = Number(await redis.hget(queueKeys(concertId).meta, 'epoch'));
      /** The pass of the fan who holds number `n` of the fill. */
      const passOf = (n: number) =>
        signer.sign(
          { userId: fanOf(n), tokenId: tokenIdOf({ concertId, epoch, number: n }), concertId },
          3600,
        );
      // A bulk load is not a crowd: numbers written by the hundred thousand in seconds, before the
      // queue has looked, are all younger than a snapshot's settle time for it, so its refreshes
      // read their bitmaps again until they settle. The queue looks once (a fan's poll), and the
      // measured requests start once the numbers settled, as in a line filled over minutes.
      if (!ctx.smoke) {
        const look = await fetch(`${gateway.urls[0]}/queue/tokens/me`, {
          headers: { authorization: `Bearer ${await passOf(1)}` },
        });
        if (!look.ok) throw new Error(`queue-scale: a fan's poll answered ${look.status}`);
        await sleep(FILL_SETTLE_MS);
      }

      // Joins: new fans with identities of their own, through the gateway, at a steady rate.
      const joins = ctx.smoke ? 100 : JOIN_RATE * Math.max(5, ctx.seconds);
      const positions: number[] = [];
      const join = await cpuBreakdown(groups, () =>
        joinCrowd(ctx, gateway.urls, concertId, joins, ctx.smoke ? 100 : JOIN_RATE, size, (p) =>
          positions.push(p),
        ),
      );
      filled += joins;
      const joinCpuMs = perOp(join.seconds, join.result.total);
      rows.push({
        scenario: `queue-scale: join at ${size.toLocaleString('en')} waiting`,
        measured: join.result,
        notes: `through the gateway; CPU per join ${joinCpuMs.total.toFixed(3)} ms${floorMs ? ` (${(joinCpuMs.total / floorMs).toFixed(2)}× the two-hop floor)` : ''} (queue ${joinCpuMs.queue!.toFixed(3)}, gateway ${joinCpuMs.gateway!.toFixed(3)}, Redis ${joinCpuMs.redis!.toFixed(3)}, Postgres ${joinCpuMs.postgres!.toFixed(3)}; ${ctx.instances} queue instance(s)); Redis ${bytesPerFan.toFixed(1)} bytes per fan (INFO used_memory delta ÷ fans); fill ${Math.round(size / fillSeconds).toLocaleString('en')} fans/s`,
      });
      const repeated = repeatedPositions(positions);
      rows.push({
        scenario: `queue-scale: repeated positions at ${size.toLocaleString('en')} waiting`,
        value: `${repeated} repeated positions in ${positions.length.toLocaleString('en')} join answers`,
        target: '0 (no two fans told the same position)',
        met: repeated === 0 && positions.length > 0,
        notes: `the join answers of the row above: admission is paused and nobody leaves, so every fan who joins is told a position of their own, one more than the fan who joined before (ADR 0024); a repeat is an answer whose position an earlier answer carried`,
      });

      // Polls: fans all along the line, each with their pass, through the gateway.
      // Fans poll at most once a second (their Retry-After says more): 1,000 fans, 1,000/s.
      const pollRate = ctx.smoke ? 200 : Math.min(2000, size);
      const polls = ctx.smoke ? 300 : pollRate * 5;
      const passes = await Promise.all(
        Array.from({ length: Math.min(polls, 5000) }, () => passOf(randomInt(1, size + 1))),
      );
      const commandsBefore = await commandsProcessed(monitor);
      const readsBefore = await readsProcessed(monitor);
      const statsBefore = await commandCalls(monitor);
      const poll = await cpuBreakdown(groups, () =>
        runOpenLoop({
          label: `GET /queue/tokens/me at ${size.toLocaleString('en')} waiting`,
          urls: gateway.urls,
          rate: pollRate,
          amount: polls,
          request: (i) => ({
            method: 'GET',
            path: '/queue/tokens/me',
            headers: { authorization: `Bearer ${passes[i % passes.length]!}` },
          }),
        }),
      );
      // Less the INFO calls of this measurement itself (each its own command and read).
      const commands = (await commandsProcessed(monitor)) - commandsBefore - 3;
      const roundTrips = (await readsProcessed(monitor)) - readsBefore - 2;
      const byCommand = diffCalls(statsBefore, await commandCalls(monitor));
      const pollCpuMs = perOp(poll.seconds, poll.result.total);
      rows.push({
        scenario: `queue-scale: poll at ${size.toLocaleString('en')} waiting`,
        measured: poll.result,
        target: '≤ 10 Redis round trips per 1,000 polls',
        met: (1000 * roundTrips) / poll.result.total <= 10,
        notes: `${((1000 * roundTrips) / poll.result.total).toFixed(1)} Redis round trips per 1,000 polls (every process's: the requests Redis read, INFO total_reads_processed; a pipeline is one), ${((1000 * commands) / poll.result.total).toFixed(1)} commands (each counted, a pipeline's and a script's too: ${byCommand}); through the gateway; CPU per poll ${pollCpuMs.total.toFixed(3)} ms (queue ${pollCpuMs.queue!.toFixed(3)}, gateway ${pollCpuMs.gateway!.toFixed(3)}, Redis ${pollCpuMs.redis!.toFixed(3)})`,
      });
    }
    // The tick alone: nothing else talks to Redis meanwhile.
    await gateway.stop();
    await queue.stop();
    rows.push(
      ...(await tickRows(
        ctx,
        store,
        lines,
        monitor,
        concertId,
        filled,
        Number(IDLE_FOREVER) * 1000,
      )),
    );
    await removeKeys(monitor, prefix);
    if (process.env.BENCH_QUEUE_STREAMS !== 'off')
      rows.push(...(await streamRows(ctx, redis, prefix, fill, fanOf)));
    return rows;
  } finally {
    await gateway.stop();
    await queue.stop();
    await removeKeys(monitor, prefix);
    redis.disconnect();
    monitor.disconnect();
    await lines.close();
  }
}

/**
 * Numbers from..to taken by fans, through the join's own Redis steps (no pass minted); numbers
 * come a block at a time from the run's queue database, as a join's do.
 */
function crowdFill(lines: QueueLines) {
  return async (store: RedisQueueStore, concertId: number, from: number, to: number) => {
    const liveness = new Liveness(Number(IDLE_FOREVER) * 1000); // the service's own windows
    const window = liveness.windowAt(Date.now());
    let next = from;
    const worker = async () => {
      while (next < to) {
        next++;
        const userId = fanOf(next);
        await store.claim(concertId, userId);
        const { number } = await lines.of(store).takeNumber(concertId);
        await store.bits.markJoined(concertId, number, window, liveness.seenTtlMs);
        await store.settle(concertId, userId, number);
      }
    };
    await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  };
}

/** Answers that carry a position an earlier answer carried already. */
export function repeatedPositions(positions: number[]): number {
  return positions.length - new Set(positions).size;
}

function perOp(seconds: Record<string, number>, ops: number) {
  const ms = (k: string) => (1000 * (seconds[k] ?? 0)) / Math.max(1, ops);
  return {
    queue: ms('queue'),
    gateway: ms('gateway'),
    redis: ms('redis'),
    postgres: ms('postgres'),
    total: ms('queue') + ms('gateway') + ms('redis') + ms('postgres'),
  };
}
