import autocannon from 'autocannon';

export interface LoadResult {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  total: number;
  /** CPU seconds the load generator (this process) used during the run. */
  generatorCpuSeconds: number;
  durationSeconds: number;
}

export interface LoadSpec {
  label: string;
  /** Several URLs (one per instance): autocannon spreads the connections over them. */
  url: string | string[];
  connections: number;
  /** Either a duration, or a fixed number of requests. */
  durationSeconds?: number;
  amount?: number;
  /** Open-loop: a fixed overall rate (requests/s) instead of as fast as possible. */
  overallRate?: number;
  requests: autocannon.Request[];
}

let smokeAmount: number | undefined;
/**
 * How often autocannon samples its counters, ms. It ends a run only at a sample, so a smoke
 * run's few requests would otherwise hold every load for a whole second after they are answered.
 */
let sampleMs = 1000;

/**
 * Smoke mode (`--smoke`, part of npm test) checks the code, not the numbers: a run sends a fixed
 * number of requests instead of lasting a fixed time, so a slow machine still completes some.
 */
export function smokeMode(requestsPerRun: number): void {
  smokeAmount = requestsPerRun;
  sampleMs = 50;
}

/** One autocannon run; latencies come from its HDR histogram. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const cpuBefore = process.cpuUsage();
  const amount = spec.amount ?? smokeAmount;
  const result = await autocannon({
    // autocannon 8 takes an array of URLs (README, `url`); its type definitions lag behind.
    url: spec.url as string,
    connections: spec.connections,
    ...(amount !== undefined ? { amount } : { duration: spec.durationSeconds }),
    overallRate: spec.overallRate,
    requests: spec.requests,
    sampleInt: sampleMs,
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    label: spec.label,
    // autocannon's request counts are per sample.
    requestsPerSecond: Math.round((result.requests.average * 1000) / sampleMs),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
    generatorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    durationSeconds: Number((result.duration ?? 0).toFixed(2)),
  };
}
