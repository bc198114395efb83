import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { randomInt } from 'node:crypto';
import { TokenSigner, queueKeys, tokenIdOf, type QueueRedis } from '@ticketing/auth';
import { QueueStore } from '../../../services/queue/dist/src/data-access/queue-store';
import type { BenchContext } from '../context';
import { benchServer, serviceMain, startInstances } from '../processes';
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
  redis: QueueRedis,
  prefix: string,
  fill: (store: QueueStore, concertId: number, from: number, to: number) => Promise<void>,
  fanOf: (n: number) => string,
): Promise<Row[]> {
  const streams = ctx.smoke ? 300 : 16_000;
  const perGenerator = ctx.smoke ? 300 : 4000;
  const measureSeconds = ctx.smoke ? 2 : 20;
  const ahead = ctx.smoke ? 500 : 10_000; // admitted during the run, before any listener
  const queue = await startInstances(
    'queue',
    serviceMain('queue'),
    {
      ...ctx.serviceEnv,
      REDIS_KEY_PREFIX: prefix,
      QUEUE_ADMIT_PER_SECOND: '200',
      QUEUE_MAX_ACTIVE: '10000000',
      QUEUE_IDLE_TIMEOUT_SECONDS: String(IDLE_FOREVER_S),
    },
    1,
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-streams-'));
  const generators: ReturnType<typeof spawn>[] = [];
  try {
    const store = new QueueStore(redis, prefix);
    const concertId = randomInt(1, 2 ** 31);
    await store.rememberConcert(concertId);
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
    const heapBefore = await heapUsed(queue.urls[0]!);
    const ready: Promise<void>[] = [];
    const finals: Promise<{ open: number; events: number; failed: number }>[] = [];
    for (let g = 0; g * perGenerator < streams; g++) {
      const file = path.join(dir, `passes-${g}.json`);
      fs.writeFileSync(
        file,
        JSON.stringify(passes.slice(g * perGenerator, (g + 1) * perGenerator)),
      );
      const child = spawn(
        'node',
        [benchServer('sse-clients'), queue.urls[0]!, file, `127.0.0.${2 + g}`],
        { stdio: ['ignore', 'pipe', 'inherit'] },
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
    const cpuBefore = queue.procs[0]!.cpuSeconds();
    await new Promise((r) => setTimeout(r, measureSeconds * 1000)); // the measured window
    const cpuSeconds = queue.procs[0]!.cpuSeconds() - cpuBefore;
    const heapAfter = await heapUsed(queue.urls[0]!);
    for (const child of generators) child.kill('SIGTERM');
    const counts = await Promise.all(finals);
    const held = counts.reduce((a, c) => a + c.open, 0);
    const events = counts.reduce((a, c) => a + c.events, 0);
    const failed = counts.reduce((a, c) => a + c.failed, 0);
    const heapPerStream = (heapAfter - heapBefore) / Math.max(1, held);
    const cpuPer1000 = (100 * cpuSeconds) / measureSeconds / Math.max(0.001, held / 1000);
    return [
      {
        scenario: `queue-scale: event streams held by one queue process`,
        value: `${held.toLocaleString('en')} streams`,
        target: '≥ 15,000 streams; ≤ 16 KB heap per stream; ≤ 2 % of a core per 1,000 streams',
        met: held >= (ctx.smoke ? 1 : 15_000) && heapPerStream <= 16_384 && cpuPer1000 <= 2,
        notes: `${(heapPerStream / 1024).toFixed(1)} KB of queue heap per stream (heap used, before the streams and after ${measureSeconds} s); ${cpuPer1000.toFixed(2)} % of a core per 1,000 streams while admission moved every position at 200/s; ${events.toLocaleString('en')} events received, ${failed} streams refused; ${generators.length} generator processes on as many loopback addresses`,
      },
    ];
  } finally {
    for (const child of generators) child.kill('SIGKILL');
    await queue.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function heapUsed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text)?.[1] ?? 0);
}
