import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { randomInt } from 'node:crypto';
import { TokenSigner, queueKeys, tokenIdOf } from '@ticketing/queue-pass';
import type { RedisClient } from '@ticketing/platform';
import { metricValue } from '@ticketing/testing';
import { RedisQueueStore } from '../../../services/queue/dist/src/data-access/queue-store';
import type { BenchContext } from '../context';
import { ROOT } from '@ticketing/infra';
import { benchServer, owned, serviceMain, startInstances, type Proc } from '../processes';
import type { Row } from '../report';

const IDLE_FOREVER_S = 86_400;

/**
 * Event streams held by one queue process while the queue advances (ADR 0015): S fans far enough
 * back to wait through the measurement listen, from several generator processes on several
 * loopback addresses (each process under the 20,000 descriptors a process may have, each
 * address with its own ephemeral ports). Reports the streams held, the queue's heap per stream
 * and its CPU per 1,000 streams while admission moves everyone's position.
 */
export async function streamRows(
  ctx: BenchContext,
  redis: RedisClient,
  prefix: string,
  fill: Fill,
  fanOf: (n: number) => string,
): Promise<Row[]> {
  const one = await holdStreams(ctx, redis, prefix, fill, fanOf, {
    streams: ctx.smoke ? 300 : 16_000,
    queues: 1,
    gateways: 0,
  });
  const rows = [oneProcessRow(ctx, one)];
  // BENCH_QUEUE_STREAMS=one: the one-process figure alone (minutes, not the whole path's ~20).
  if (process.env.BENCH_QUEUE_STREAMS === 'one') return rows;
  const path = await holdStreams(ctx, redis, prefix, fill, fanOf, {
    streams: ctx.smoke ? 600 : 50_000,
    queues: ctx.smoke ? 2 : 4,
    gateways: ctx.smoke ? 2 : 6,
  });
  return [
    ...rows,
    {
      scenario: `queue-scale: event streams through the whole path`,
      value: `${path.held.toLocaleString('en')} streams`,
      target: '50,000 streams through gateways and queues',
      met: path.held >= (ctx.smoke ? 1 : 50_000),
      notes: `${path.gateways} gateway and ${path.queues} queue processes, ${path.generators} generator processes on as many loopback addresses; ${(path.queueHeapPerStream / 1024).toFixed(1)} KB of queue heap and ${(path.gatewayHeapPerStream / 1024).toFixed(1)} KB of gateway heap per stream; ${path.cpuPer1000.toFixed(2)} % of a core per 1,000 streams (every gateway and queue process) while admission moved every position at 200/s; ${path.events.toLocaleString('en')} events received, ${path.failed} streams refused ${JSON.stringify(path.reasons)}, ${sumOf(path.endings)} ended while listened to ${JSON.stringify(path.endings)} (by their last event), ${path.reconnects} reconnections (as EventSource does, after \`retry\`) while ${path.generators} processes opened them at once`,
    },
  ];
}

type Held = Awaited<ReturnType<typeof holdStreams>>;

function oneProcessRow(ctx: BenchContext, one: Held): Row {
  return {
    scenario: `queue-scale: event streams held by one queue process`,
    value: `${one.held.toLocaleString('en')} streams`,
    target: '≥ 15,000 streams; ≤ 16 KB heap per stream; ≤ 2 % of a core per 1,000 streams',
    met:
      one.held >= (ctx.smoke ? 1 : 15_000) &&
      one.queueHeapPerStream <= 16_384 &&
      one.cpuPer1000 <= 2,
    notes: `${(one.queueHeapPerStream / 1024).toFixed(1)} KB of queue heap per stream (heap used after a full collection, which a heap snapshot forces, before the streams and after ${one.seconds} s); ${one.cpuPer1000.toFixed(2)} % of a core per 1,000 streams while admission moved every position at 200/s; ${one.events.toLocaleString('en')} events received, ${one.failed} streams refused, ${sumOf(one.endings)} ended while listened to ${JSON.stringify(one.endings)}; ${one.generators} generator processes on as many loopback addresses`,
  };
}

type Fill = (store: RedisQueueStore, concertId: number, from: number, to: number) => Promise<void>;

/**
 * Opens `streams` event streams on fans far enough back to wait through the measurement: to the
 * queue processes directly (no gateway), or through the gateways (each to every queue), from
 * generator processes of at most 4,500 streams each on their own loopback addresses, the same
 * number of generators (so of streams) on every target: a gateway holds two descriptors per
 * stream, and three generators on one of six gateways once took it to the 20,000 a process may
 * have while others had room.
 */
async function holdStreams(
  ctx: BenchContext,
  redis: RedisClient,
  prefix: string,
  fill: Fill,
  fanOf: (n: number) => string,
  shape: { streams: number; queues: number; gateways: number },
) {
  const { streams } = shape;
  const targetCount = Math.max(1, shape.gateways || shape.queues);
  const generatorCount = targetCount * Math.ceil(streams / (ctx.smoke ? 300 : 4500) / targetCount);
  const perGenerator = Math.ceil(streams / generatorCount);
  const seconds = ctx.smoke ? 2 : 20;
  // Admitted during the run (200/s) before any listener: the whole path's phase (fill, 50,000
  // openings, two rounds of heap snapshots) took 15+ minutes, and 3 × 50,000 ahead (12.5 minutes
  // of admissions) let the head reach the first listeners (3,647 streams ended `active`).
  const ahead = ctx.smoke ? 500 : 7 * streams;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-streams-'));
  const env = {
    ...ctx.serviceEnv,
    ...ctx.queueEnv,
    REDIS_KEY_PREFIX: prefix,
    QUEUE_ADMIT_PER_SECOND: '200',
    QUEUE_MAX_ACTIVE: '10000000',
    QUEUE_IDLE_TIMEOUT_SECONDS: String(IDLE_FOREVER_S),
    // A heap snapshot on SIGUSR2: V8 collects all garbage before it writes one (heap sampling).
    NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`,
  };
  const queue = await startInstances('queue', serviceMain('queue'), env, shape.queues);
  const gateway =
    shape.gateways > 0
      ? await startInstances(
          'gateway',
          path.join(ROOT, 'gateway/dist/src/main.js'),
          { ...env, QUEUE_URLS: queue.urls.join(',') },
          shape.gateways,
          '/health/live',
          'GATEWAY_PORT',
        )
      : undefined;
  const targets = gateway?.urls ?? queue.urls;
  const generators: ReturnType<typeof spawn>[] = [];
  try {
    const store = new RedisQueueStore(redis, prefix);
    const concertId = randomInt(1, 2 ** 31);
    await store.concerts.rememberConcert(concertId);
    await fill(store, concertId, 0, ahead + streams);
    const epoch = Number(await redis.hget(queueKeys(concertId).meta, 'epoch'));
    const signer = new TokenSigner(ctx.serviceEnv.QUEUE_PASS_SIGNING_KEY!);
    const passes = await Promise.all(
      Array.from({ length: streams }, (_, i) => {
        const n = ahead + 1 + i;
        return signer.sign(
          { userId: fanOf(n), tokenId: tokenIdOf({ concertId, epoch, number: n }), concertId },
          3600,
        );
      }),
    );
    // Heap used includes garbage not yet collected: each process writes a heap snapshot first
    // (V8 collects everything it can before writing one), then reports its heap used. Smoke mode
    // checks the code path without the snapshots.
    const heapOf = async (procs: Proc[]) => {
      let sum = 0;
      for (const p of procs) {
        if (!ctx.smoke) await collectGarbage(p, dir);
        sum += await heapUsed(p.url);
      }
      return sum;
    };
    const queueHeapBefore = await heapOf(queue.procs);
    const gatewayHeapBefore = gateway ? await heapOf(gateway.procs) : 0;
    const ready: Promise<void>[] = [];
    const finals: Promise<{
      open: number;
      events: number;
      failed: number;
      reasons?: Record<string, number>;
      endings?: Record<string, number>;
      reconnects?: number;
    }>[] = [];
    for (let g = 0; g * perGenerator < streams; g++) {
      const file = path.join(dir, `passes-${g}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(passes.slice(g * perGenerator, (g + 1) * perGenerator)),
      );
      const child = owned(
        spawn(
          'node',
          [benchServer('sse-clients'), targets[g % targets.length]!, file, `127.0.0.${2 + g}`],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      generators.push(child);
      const lines = readline.createInterface({ input: child.stdout! });
      let last = { open: 0, events: 0, failed: 0 };
      ready.push(
        new Promise((resolve) =>
          lines.on('line', (line) => {
            last = JSON.parse(line) as typeof last;
            if ((last as { ready?: number }).ready) resolve();
          }),
        ),
      );
      finals.push(new Promise((resolve) => child.on('exit', () => resolve(last))));
    }
    await Promise.all(ready);
    const measured = [...queue.procs, ...(gateway?.procs ?? [])];
    const cpu = () => measured.reduce((a, p) => a + p.cpuSeconds(), 0);
    const cpuBefore = cpu();
    await new Promise((r) => setTimeout(r, seconds * 1000)); // the measured window
    const cpuSeconds = cpu() - cpuBefore;
    const queueHeapAfter = await heapOf(queue.procs); // the streams are still open meanwhile
    const gatewayHeapAfter = gateway ? await heapOf(gateway.procs) : 0;
    for (const child of generators) child.kill('SIGTERM');
    const counts = await Promise.all(finals);
    const held = counts.reduce((a, c) => a + c.open, 0);
    return {
      held,
      seconds,
      queues: shape.queues,
      gateways: shape.gateways,
      generators: generators.length,
      events: counts.reduce((a, c) => a + c.events, 0),
      failed: counts.reduce((a, c) => a + c.failed, 0),
      reconnects: counts.reduce((a, c) => a + (c.reconnects ?? 0), 0),
      reasons: sumCounts(counts.map((c) => c.reasons)),
      endings: sumCounts(counts.map((c) => c.endings)),
      queueHeapPerStream: (queueHeapAfter - queueHeapBefore) / Math.max(1, held),
      gatewayHeapPerStream: (gatewayHeapAfter - gatewayHeapBefore) / Math.max(1, held),
      cpuPer1000: (100 * cpuSeconds) / seconds / Math.max(0.001, held / 1000),
    };
  } finally {
    for (const child of generators) child.kill('SIGKILL');
    await gateway?.stop();
    await queue.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Has `proc` (started with --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=dir) write a heap
 * snapshot, which collects all garbage first, and waits until it is written; then removes it.
 */
async function collectGarbage(proc: Proc, dir: string): Promise<void> {
  const pid = proc.child.pid!;
  const mine = () =>
    fs.readdirSync(dir).filter((f) => f.includes(`.${pid}.`) && f.endsWith('.heapsnapshot'));
  const before = new Set(mine());
  proc.child.kill('SIGUSR2');
  const deadline = Date.now() + 120_000;
  let file: string | undefined;
  let size = -1;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${proc.name}: no heap snapshot within 120 s`);
    await new Promise((r) => setTimeout(r, 500));
    file ??= mine().find((f) => !before.has(f));
    if (!file) continue;
    // Written (on the process's own thread) once it answers again and the size holds still.
    const now = fs.statSync(path.join(dir, file)).size;
    if (
      now === size &&
      now > 0 &&
      (await heapUsed(proc.url).then(
        () => true,
        () => false,
      ))
    )
      break;
    size = now;
  }
  fs.rmSync(path.join(dir, file), { force: true });
}

function heapUsed(url: string): Promise<number> {
  return metricValue(url, 'nodejs_heap_size_used_bytes');
}

/** Counts by name from every generator, added up. */
function sumCounts(all: (Record<string, number> | undefined)[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all)
    for (const [name, n] of Object.entries(counts ?? {})) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

const sumOf = (counts: Record<string, number>) => Object.values(counts).reduce((a, n) => a + n, 0);
