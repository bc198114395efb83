import path from 'node:path';
import { GATEWAY_PORT, SERVICE_NAMES, instancePort, type ServiceName } from '@ticketing/contracts';
import { ROOT } from '@ticketing/infra';
import { EXIT_CONFIG } from '@ticketing/platform';
import { NodeProgram, type LineSink } from './node-program';

export interface SystemSpec {
  /** Instances of every service (`INSTANCES`). */
  instances: number;
  /**
   * `fixed`: npm start's ports (a service's port + 100·i, the gateway on GATEWAY_PORT), so a
   * walkthrough knows where to call; `free`: ports nobody else holds (tests, benchmarks).
   */
  ports: 'fixed' | 'free';
  /** Every process's environment (infrastructure, keys, settings). */
  env: Record<string, string>;
  /** An instance's own: its database, its Redis login, its consumer group. */
  instanceEnv?: (service: ServiceName, index: number) => Record<string, string>;
  /** The gateway's own (its Redis login); `false` runs no gateway. */
  gateway?: Record<string, string> | false;
  /**
   * Gateway instances (1), each on its own port behind whatever spreads the clients (a load
   * balancer in a cluster; the rehearsal's fans here). With fixed ports: GATEWAY_PORT + 100·i.
   */
  gateways?: number;
  /** The processes get this process's environment underneath (npm start, the bench). */
  inheritEnv?: boolean;
  nodeArgs?: string[];
  sink?: LineSink;
  /**
   * npm start's supervision: an instance that exits is started again after `restartAfterMs`;
   * one that rejects its configuration (exit 78) will not fix itself: `configRejected` is told.
   */
  supervise?: { restartAfterMs: number; configRejected(label: string): void };
}

/** Where a service's and the gateway's built programs are. */
export const serviceScript = (service: ServiceName) =>
  path.join(ROOT, 'services', service, 'dist/src/main.js');
export const GATEWAY_SCRIPT = path.join(ROOT, 'gateway/dist/src/main.js');

/** The gateway's variable naming a service's instances, e.g. `PAYMENT_URLS`. */
export const upstreamsVariable = (service: ServiceName) => `${service.toUpperCase()}_URLS`;

/**
 * The whole system as it is deployed: every service's instances and the gateway in front of
 * them, each a process of its own, started and waited for until ready. What `npm start`, the
 * end-to-end tests (`test/cluster.ts`) and the benchmarks run.
 */
export class LaunchedSystem {
  readonly instances = {} as Record<ServiceName, NodeProgram[]>;
  /** The first gateway (the only one unless `gateways` asked for more). */
  gateway?: NodeProgram;
  readonly gateways: NodeProgram[] = [];
  private stopping = false;

  private constructor(private readonly spec: SystemSpec) {}

  /**
   * Starts the catalog first (the queue asks it for concerts it misses, ADR 0024), then every
   * other service, then the gateway with the ports they listen on. What started is stopped if a
   * part fails to.
   */
  static async launch(spec: SystemSpec): Promise<LaunchedSystem> {
    const system = new LaunchedSystem(spec);
    for (const service of SERVICE_NAMES)
      system.instances[service] = Array.from({ length: spec.instances }, (_, i) =>
        system.program(service, i),
      );
    try {
      await Promise.all(system.instances.concert.map((p) => system.start(p)));
      const concertUrls = system.instances.concert.map((p) => p.url).join(',');
      for (const queue of system.instances.queue) queue.spec.env.CONCERT_URLS = concertUrls;
      await Promise.all(
        SERVICE_NAMES.filter((s) => s !== 'concert')
          .flatMap((s) => system.instances[s])
          .map((p) => system.start(p)),
      );
      if (spec.gateway !== false) {
        const count = spec.gateways ?? 1;
        const basePort = Number(spec.env.GATEWAY_PORT ?? GATEWAY_PORT);
        for (let i = 0; i < count; i++)
          system.gateways.push(
            new NodeProgram({
              label: count > 1 ? `gateway#${i + 1}` : 'gateway',
              script: GATEWAY_SCRIPT,
              env: {
                ...spec.env,
                ...system.upstreams(),
                ...spec.gateway,
                INSTANCE_ID: String(i + 1),
              },
              portVariable: 'GATEWAY_PORT',
              port: spec.ports === 'fixed' ? basePort + 100 * i : undefined,
              readyPath: '/health/live',
              inheritEnv: spec.inheritEnv,
              nodeArgs: spec.nodeArgs,
              sink: spec.sink,
            }),
          );
        system.gateway = system.gateways[0];
        await Promise.all(system.gateways.map((g) => system.start(g)));
      }
    } catch (err) {
      await system.stop();
      throw err;
    }
    return system;
  }

  /** `<SERVICE>_URLS` for each service: the gateway's upstreams. */
  upstreams(): Record<string, string> {
    return Object.fromEntries(
      SERVICE_NAMES.map((s) => [
        upstreamsVariable(s),
        this.instances[s].map((p) => p.url).join(','),
      ]),
    );
  }

  /** Every program, the gateway first (the order a stop goes in). */
  programs(): NodeProgram[] {
    const services = SERVICE_NAMES.flatMap((s) => this.instances[s] ?? []);
    return [...this.gateways, ...services];
  }

  /** The gateway first (no request reaches a stopping service), then every service at once. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    await Promise.all(this.gateways.map((g) => g.stop(graceMs)));
    await Promise.all(
      SERVICE_NAMES.flatMap((s) => this.instances[s] ?? []).map((p) => p.stop(graceMs)),
    );
  }

  /** The last lines every program wrote (for a failed test's message). */
  tails(lines = 200): string {
    return this.programs()
      .map((p) => `--- ${p.label}\n${p.tail.slice(-lines).join('\n')}`)
      .join('\n');
  }

  private program(service: ServiceName, index: number): NodeProgram {
    const { spec } = this;
    return new NodeProgram({
      label: `${service}#${index + 1}`,
      script: serviceScript(service),
      env: { ...spec.env, INSTANCE_ID: String(index + 1), ...spec.instanceEnv?.(service, index) },
      port: spec.ports === 'fixed' ? instancePort(service, index) : undefined,
      readyPath: '/health/ready',
      inheritEnv: spec.inheritEnv,
      nodeArgs: spec.nodeArgs,
      sink: spec.sink,
    });
  }

  /** Launches a program; under supervision, what exits is started again (or stops it all). */
  private async start(program: NodeProgram): Promise<void> {
    const supervise = this.spec.supervise;
    if (!supervise) {
      await program.launch();
      return;
    }
    const watch = () =>
      program.child!.once('exit', (code, signal) => {
        if (this.stopping) return;
        if (code === EXIT_CONFIG) return supervise.configRejected(program.label);
        this.spec.sink?.(
          'launcher',
          `${program.label} exited (${signal ?? code}); restarting it`,
          'stderr',
        );
        setTimeout(() => {
          if (this.stopping) return;
          program.start();
          watch();
        }, supervise.restartAfterMs);
      });
    program.start();
    watch();
    // npm start does not wait for readiness: the gateway holds requests until instances answer.
  }
}

export const launchSystem = (spec: SystemSpec) => LaunchedSystem.launch(spec);
