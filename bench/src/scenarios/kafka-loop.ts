import { createKafka, ensureTopics } from '@ticketing/messaging/wiring';
import { kafkaClientFrom } from '@ticketing/platform';
import { createLogger } from '@ticketing/platform/wiring';
import type { LoadResult } from '../load';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { becomesTrue } from '@ticketing/platform';
import { uniqueStamp } from '../stamps';

/**
 * The floor under every saga step: one message produced (idempotent, acks=all, as the outbox
 * relay does) and consumed by a consumer group with the services' fetch settings, open loop at
 * fixed rates. A saga is six such hops in sequence (confirm, confirmed, debit, debited, …).
 */
export async function kafkaLoopScenario(ctx: BenchContext): Promise<Row[]> {
  const rates = ctx.smoke ? [50] : [200, 1000];
  const stamp = uniqueStamp();
  const topic = `bench${stamp}.loop`;
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const client = kafkaClientFrom(process.env);
  const kafka = createKafka({
    client,
    brokers: ctx.infra.kafkaBrokers,
    clientId: 'bench-loop',
    logger,
  });
  await ensureTopics(kafka, [topic], { partitions: 6, withDlt: false });
  const producer = kafka.publisher();
  await producer.connect();
  const consumer = kafka.groupMember(
    `bench-loop-${stamp}`,
    {
      assigned: () => undefined,
      left: () => undefined,
      rebalancing: () => undefined,
      crashed: (err) => logger.error({ err }, 'the loop consumer crashed'),
    },
    { maxWaitMs: 100 },
  );
  let current: number[] = []; // ms per message received in this rate's run
  await consumer.run({
    topics: [topic],
    fromBeginning: true,
    concurrency: 6,
    eachBatch: async ({ messages }) => {
      for (const message of messages) current.push(Date.now() - Number(message.value!.toString()));
    },
  });
  try {
    const rows: Row[] = [];
    for (const rate of rates) {
      current = [];
      const total = rate * ctx.seconds;
      const cpuBefore = process.cpuUsage();
      const started = Date.now();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        // Open loop: message i leaves at i / rate seconds, whatever happened before.
        const due = started + (i * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        sends.push(
          producer.send({
            topic,
            messages: [{ key: String(i), value: String(Date.now()) }],
          }),
        );
      }
      await Promise.all(sends);
      await becomesTrue(() => current.length >= total, { timeoutMs: 30_000, intervalMs: 50 });
      const elapsed = (Date.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const sorted = [...current].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      const measured: LoadResult = {
        label: `kafka loop ${rate}/s`,
        requestsPerSecond: Math.round(current.length / elapsed),
        p50Ms: at(0.5) ?? 0,
        p99Ms: at(0.99) ?? 0,
        non2xx: 0,
        errors: total - current.length,
        total,
        generatorCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
        durationSeconds: elapsed,
      };
      rows.push({
        scenario: `ceiling: ${client} produce → consume, open loop ${rate}/s`,
        measured,
        notes: `one hop; ${current.length}/${total} received; the saga makes 6 hops in sequence`,
      });
    }
    return rows;
  } finally {
    await consumer.stop();
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.disconnect();
  }
}
