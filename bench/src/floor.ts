import { cpuBreakdown } from './cpu';
import { runOpenLoop, type OpenLoopRequest } from './open-loop';
import { benchServer, startInstances, type Instances } from './processes';

/**
 * The floor a figure of CPU per operation is compared with, measured in the same run: CPU per
 * request (ms) across a bare Node proxy and a bare Node server (two hops, no framework). On a
 * virtual machine much of a request's CPU is waking the processes up, and that costs more per
 * request at a low rate than at a high one, so the floor is measured at the rate of the figure
 * it is compared with. The two processes are started and warmed up once, then measured at as
 * many rates as asked.
 */
export class TwoHopFloor {
  private warm = false;

  private constructor(
    private readonly server: Instances,
    private readonly proxy: Instances,
    private readonly request: () => OpenLoopRequest,
  ) {}

  static async open(request: () => OpenLoopRequest): Promise<TwoHopFloor> {
    const server = await startInstances('floor-server', benchServer('bare-http'), {}, 1);
    const proxy = await startInstances(
      'floor-proxy',
      benchServer('bare-proxy'),
      { UPSTREAM_URL: server.urls[0]! },
      1,
    );
    return new TwoHopFloor(server, proxy, request);
  }

  /** CPU per request (ms) across the two hops at `rate`. */
  async at(rate: number): Promise<number> {
    // Warm-up: the JIT (a few thousand requests whatever the rate), and the sockets opened once.
    if (!this.warm) await this.run(Math.max(rate, 1000), 3000);
    this.warm = true;
    // At least 500 requests: at a low rate, enough ticks of CPU (10 ms each) to be read.
    const measured = await this.run(rate, Math.max(500, rate * 5));
    return (1000 * measured.seconds.floor!) / Math.max(1, measured.result.total);
  }

  async stop(): Promise<void> {
    await this.proxy.stop();
    await this.server.stop();
  }

  private run(rate: number, amount: number) {
    const pids = () => [this.server.procs[0]!.child.pid!, this.proxy.procs[0]!.child.pid!];
    return cpuBreakdown({ floor: pids }, () =>
      runOpenLoop({
        label: 'POST through two bare hops',
        urls: this.proxy.urls,
        rate,
        amount,
        request: this.request,
      }),
    );
  }
}

/** The floor at one rate (two processes started, warmed up, measured and stopped). */
export async function twoHopFloor(rate: number, request: () => OpenLoopRequest): Promise<number> {
  const floor = await TwoHopFloor.open(request);
  try {
    return await floor.at(rate);
  } finally {
    await floor.stop();
  }
}
