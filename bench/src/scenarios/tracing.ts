import { OtlpReceiver } from '@ticketing/testing';
import type { BenchContext } from '../context';
import type { Row } from '../report';
import { runHoldStorm } from './hold-storm';
import { runSagas } from './saga';

/**
 * What tracing costs (ADR 0011): the same saga load and the same hold storm with tracing off and
 * on. "On" exports every span (sampler always on) over OTLP/HTTP protobuf to a receiver in the
 * bench process that only counts what arrives: a collector's own cost is the platform's, not the
 * services'. The figures are the services' extra CPU per saga and per hold, and the latency.
 */
export async function tracingScenario(ctx: BenchContext): Promise<Row[]> {
  const sink = await OtlpReceiver.start();
  const on: BenchContext = {
    ...ctx,
    serviceEnv: {
      ...ctx.serviceEnv,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    },
  };
  const rate = Number(process.env.BENCH_TRACING_SAGA_RATE ?? 40);
  const sagas = { rates: [rate], warmUp: 500, summary: false };
  try {
    const sagaOff = await runSagas(ctx, { ...sagas, label: 'tracing off' });
    const before = { ...sink.received };
    const sagaOn = await runSagas(on, { ...sagas, label: 'tracing on' });
    const exported = {
      requests: sink.received.requests - before.requests,
      bytes: sink.received.bytes - before.bytes,
    };
    const stormOff = await runHoldStorm(ctx, { label: 'tracing off', baselines: false });
    const stormOn = await runHoldStorm(on, { label: 'tracing on', baselines: false });
    // What the prod overlay runs: a tenth of the traces kept (the others' spans do not record).
    const sampled: BenchContext = {
      ...on,
      serviceEnv: {
        ...on.serviceEnv,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.1',
      },
    };
    const stormSampled = await runHoldStorm(sampled, {
      label: 'tracing on, 10 % sampled',
      baselines: false,
    });

    const off = sagaOff.measured[0]!;
    const onRun = sagaOn.measured[0]!;
    const stormRequests = ctx.smoke ? 1000 : 10_000;
    const perHold = (s: { cpuSeconds: number }) => (1e6 * s.cpuSeconds) / stormRequests;
    return [
      ...sagaOff.rows,
      ...sagaOn.rows,
      {
        scenario: 'tracing: cost per saga (every span exported)',
        value: `${signed(onRun.cpuPerSaga - off.cpuPerSaga, 1)} ms CPU (${pct(onRun.cpuPerSaga, off.cpuPerSaga)})`,
        notes: `${off.rate}/s offered; CPU per saga ${off.cpuPerSaga.toFixed(1)} → ${onRun.cpuPerSaga.toFixed(1)} ms, all processes; p50 ${off.result.p50Ms} → ${onRun.result.p50Ms} ms, p99 ${off.result.p99Ms} → ${onRun.result.p99Ms} ms; exported ${(exported.bytes / Math.max(1, onRun.result.total) / 1024).toFixed(1)} KiB of OTLP per saga in ${exported.requests} requests`,
      },
      ...stormOff.rows,
      ...stormOn.rows,
      ...stormSampled.rows,
      {
        scenario: 'tracing: cost per hold in the storm (every span exported)',
        value: `${signed(perHold(stormOn) - perHold(stormOff), 0)} µs CPU (${pct(perHold(stormOn), perHold(stormOff))})`,
        notes: `reservation CPU per request ${perHold(stormOff).toFixed(0)} → ${perHold(stormOn).toFixed(0)} µs; wall ${stormOff.wallSeconds.toFixed(2)} → ${stormOn.wallSeconds.toFixed(2)} s (${(100 * (stormOff.wallSeconds / stormOn.wallSeconds)).toFixed(0)}% of the speed without tracing); invariant ${stormOff.invariant && stormOn.invariant ? 'holds' : 'BROKEN'}`,
      },
      {
        scenario: 'tracing: cost per hold in the storm, 10 % of traces sampled (the prod overlay)',
        value: `${signed(perHold(stormSampled) - perHold(stormOff), 0)} µs CPU (${pct(perHold(stormSampled), perHold(stormOff))})`,
        notes: `reservation CPU per request ${perHold(stormOff).toFixed(0)} → ${perHold(stormSampled).toFixed(0)} µs; wall ${stormOff.wallSeconds.toFixed(2)} → ${stormSampled.wallSeconds.toFixed(2)} s (${(100 * (stormOff.wallSeconds / stormSampled.wallSeconds)).toFixed(0)}% of the speed without tracing); invariant ${stormSampled.invariant ? 'holds' : 'BROKEN'}`,
      },
    ];
  } finally {
    await sink.stop();
  }
}

const signed = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

function pct(now: number, before: number): string {
  return `${signed((100 * (now - before)) / Math.max(before, 1e-9), 0)} %`;
}
