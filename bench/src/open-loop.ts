import http from 'node:http';
import type { LoadResult } from './load';

export interface OpenLoopRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OpenLoopSpec {
  label: string;
  /** One URL per instance: requests take them in turn. */
  urls: string[];
  /** Requests per second, evenly spaced. */
  rate: number;
  /** How many requests in all (the run lasts amount / rate seconds). */
  amount: number;
  /** The i-th request of the run. */
  request: (i: number) => OpenLoopRequest;
  /**
   * Given each 2xx answer's body and when its last byte came (ms, `performance.now()`), for a
   * scenario that checks what was answered; without it bodies are not kept.
   */
  onAnswer?: (body: Buffer, atMs: number) => void;
}

/**
 * An open-loop load at a steady rate: request i is due at start + i / rate whatever the answers
 * before it did, and its latency runs from that due time to its answer's last byte, so a
 * generator that falls behind adds its delay to the figures instead of hiding it (coordinated
 * omission). autocannon's `overallRate` spreads a rate over its connections as a budget per
 * connection per second, and its connections start together: 100/s over 100 connections is a
 * burst of 100 requests at the top of every second, not 100 a second (ADR 0013).
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const agents = spec.urls.map(
    () => new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 1024 }),
  );
  const targets = spec.urls.map((u) => new URL(u));
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  const intervalMs = 1000 / spec.rate;
  const inFlight: Promise<void>[] = [];

  const send = (i: number, due: number): Promise<void> =>
    new Promise((resolve) => {
      const k = i % targets.length;
      const target = targets[k]!;
      const r = spec.request(i);
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: r.method,
          path: r.path,
          headers: {
            ...r.headers,
            ...(r.body !== undefined && { 'content-length': Buffer.byteLength(r.body) }),
          },
          agent: agents[k],
        },
        (res) => {
          const ok = (res.statusCode ?? 0) < 300;
          const chunks: Buffer[] = [];
          if (spec.onAnswer && ok) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () => {
            const at = performance.now();
            latencies.push(at - due);
            if (!ok) non2xx++;
            else spec.onAnswer?.(Buffer.concat(chunks), at);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });

  for (let i = 0; i < spec.amount;) {
    const now = performance.now();
    // Everything due by now goes out now; then sleep until the next one is due.
    while (i < spec.amount && start + i * intervalMs <= now) {
      inFlight.push(send(i, start + i * intervalMs));
      i++;
    }
    if (i < spec.amount) await sleepUntil(start + i * intervalMs);
  }
  await Promise.all(inFlight);
  const durationSeconds = (performance.now() - start) / 1000;
  for (const agent of agents) agent.destroy();
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? Math.round(latencies[Math.ceil(q * latencies.length) - 1]!) : 0;
  return {
    label: spec.label,
    requestsPerSecond: Math.round(latencies.length / durationSeconds),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    non2xx,
    errors,
    total: latencies.length,
    generatorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    durationSeconds: Number(durationSeconds.toFixed(2)),
  };
}

function sleepUntil(due: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
}
