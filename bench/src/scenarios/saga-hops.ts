import { OtlpReceiver, type ReceivedSpan } from '@ticketing/testing';
import type { BenchContext } from '../context';
import type { Row } from '../report';
import { runSagas } from './saga';

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/**
 * Where a saga's time goes, from its traces (ADR 0011): sagas at BENCH_HOPS_RATE (100/s) with
 * every span exported to a receiver in the bench process; then, for every Kafka hop of every
 * saga, the four parts of its latency: the relay picking the committed row up (commit → publish
 * start), the send (`acks=all`), the delivery (send acknowledged → consumer span start: the
 * consumer's fetch) and the handler. Run when named: `--only=saga-hops`.
 */
export async function sagaHopsScenario(ctx: BenchContext): Promise<Row[]> {
  const receiver = await OtlpReceiver.start();
  const rate = Number(process.env.BENCH_HOPS_RATE ?? 100);
  try {
    const run = await runSagas(
      {
        ...ctx,
        serviceEnv: {
          ...ctx.serviceEnv,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '500',
        },
      },
      { rates: [rate], warmUp: ctx.smoke ? 0 : 500, summary: false, label: 'traced' },
    );
    return [...run.rows, ...hopRows(receiver.spans)];
  } finally {
    await receiver.stop();
  }
}

function hopRows(spans: ReceivedSpan[]): Row[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const published = new Map(
    spans
      .filter((s) => s.kind === 'PRODUCER')
      .map((s) => [s.attributes['messaging.message.id'], s]),
  );
  const parts = new Map<
    string,
    { pickUp: number[]; send: number[]; deliver: number[]; handle: number[] }
  >();
  for (const consumed of spans.filter((s) => s.kind === 'CONSUMER')) {
    const committedIn = consumed.parentSpanId ? byId.get(consumed.parentSpanId) : undefined;
    const publish = published.get(consumed.attributes['messaging.message.id']);
    if (!committedIn || !publish) continue;
    const type = String(consumed.attributes['ticketing.message.type']);
    const entry = parts.get(type) ?? { pickUp: [], send: [], deliver: [], handle: [] };
    entry.pickUp.push(publish.startMs - committedIn.endMs);
    entry.send.push(publish.endMs - publish.startMs);
    entry.deliver.push(consumed.startMs - publish.endMs);
    entry.handle.push(consumed.endMs - consumed.startMs);
    parts.set(type, entry);
  }
  const all = {
    pickUp: [] as number[],
    send: [] as number[],
    deliver: [] as number[],
    handle: [] as number[],
  };
  const rows: Row[] = [];
  const fmt = (v: number[]) => `${quantile(v, 0.5).toFixed(1)} / ${quantile(v, 0.99).toFixed(1)}`;
  for (const [type, e] of [...parts].sort()) {
    for (const k of Object.keys(all) as (keyof typeof all)[]) all[k].push(...e[k]);
    rows.push({
      scenario: `saga hop ${type}: p50 / p99 ms`,
      value: `${e.pickUp.length} hops`,
      notes: `relay pick-up ${fmt(e.pickUp)}; send ${fmt(e.send)}; delivery ${fmt(e.deliver)}; handler ${fmt(e.handle)}`,
    });
  }
  rows.push({
    scenario: 'saga hops, all: p50 / p99 ms',
    value: `${all.pickUp.length} hops`,
    notes: `relay pick-up ${fmt(all.pickUp)}; send ${fmt(all.send)}; delivery ${fmt(all.deliver)}; handler ${fmt(all.handle)}`,
  });
  return rows;
}
