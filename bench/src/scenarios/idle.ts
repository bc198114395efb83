import { benchServer, startInstances } from '../processes';
import { cpuBreakdown } from '../cpu';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { startSystem } from '../system';
import { becomesTrue } from '@ticketing/platform';

const TARGET_PERCENT = 0.5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the system costs doing nothing: every service instance, the gateway, Kafka, Postgres and
 * Redis, after start-up has settled (BENCH_IDLE_SETTLE_SECONDS, 30), over BENCH_IDLE_SECONDS
 * (60) of no traffic, next to a Node
 * process with an idle HTTP server (the ceiling: ≈ 0).
 */
export async function idleScenario(ctx: BenchContext): Promise<Row[]> {
  const seconds = ctx.smoke ? 2 : Number(process.env.BENCH_IDLE_SECONDS ?? 60);
  const system = await startSystem(ctx, { gateway: true });
  const idleServer = await startInstances('idle node:http', benchServer('bare-http'), {}, 1, '/');
  try {
    await untilReady([...Object.values(system.services).flatMap((s) => s.urls)]);
    // Start-up is not idle: the consumer groups join and rebalance as each service starts, and
    // the first sweeps catch up; measured in 10 s windows, it lasts about 20 s after the last
    // instance is ready, then every instance stays at its steady level.
    await sleep(ctx.smoke ? 500 : Number(process.env.BENCH_IDLE_SETTLE_SECONDS ?? 30) * 1000);
    const groups = {
      ...system.cpuGroups(),
      'ceiling: idle node:http server': () => [idleServer.procs[0]!.child.pid!],
    };
    const { seconds: cpu } = await cpuBreakdown(groups, () => sleep(seconds * 1000));
    const percent = (name: string) => (100 * (cpu[name] ?? 0)) / seconds;
    const services = new Set([
      ...Object.values(system.services).flatMap((s) => s.procs.map((p) => p.name)),
      'gateway',
    ]);
    return Object.keys(groups).map((name) => ({
      scenario: `idle ${seconds} s: ${name}`,
      value: `${percent(name).toFixed(2)} % of a core`,
      ...(services.has(name) && {
        target: `≤ ${TARGET_PERCENT} % of a core`,
        met: percent(name) <= TARGET_PERCENT,
      }),
      notes: `${(cpu[name] ?? 0).toFixed(2)} CPU s`,
    }));
  } finally {
    await idleServer.stop();
    await system.stop();
  }
}

async function untilReady(urls: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (const url of urls) {
    const ready = () =>
      fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
    if (!(await becomesTrue(ready, { timeoutMs: deadline - Date.now(), intervalMs: 200 })))
      throw new Error(`${url} not ready within 60 s`);
  }
}
