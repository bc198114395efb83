import { cpuBreakdown } from './cpu';
import { runOpenLoop, type OpenLoopRequest } from './open-loop';
import { benchServer, startInstances } from './processes';

/**
 * The floor a figure of CPU per operation is compared with, measured in the same run: CPU per
 * request (ms) across a bare Node proxy and a bare Node server (two hops, no framework), at
 * `rate`, warmed up first. On a virtual machine much of a request's CPU is waking the processes
 * up, and that costs more per request at a low rate than at a high one, so the floor is
 * measured at the rate of the figure it is compared with.
 */
export async function twoHopFloor(rate: number, request: () => OpenLoopRequest): Promise<number> {
  const server = await startInstances('floor-server', benchServer('bare-http'), {}, 1);
  const proxy = await startInstances(
    'floor-proxy',
    benchServer('bare-proxy'),
    { UPSTREAM_URL: server.urls[0]! },
    1,
  );
  try {
    const groups = { floor: () => [server.procs[0]!.child.pid!, proxy.procs[0]!.child.pid!] };
    const run = (at: number, amount: number) =>
      cpuBreakdown(groups, () =>
        runOpenLoop({
          label: 'POST through two bare hops',
          urls: proxy.urls,
          rate: at,
          amount,
          request,
        }),
      );
    // Warm-up: the JIT (a few thousand requests whatever the rate), and the sockets opened once.
    await run(Math.max(rate, 1000), 3000);
    const measured = await run(rate, Math.max(200, rate * 5));
    return (1000 * measured.seconds.floor!) / Math.max(1, measured.result.total);
  } finally {
    await proxy.stop();
    await server.stop();
  }
}
