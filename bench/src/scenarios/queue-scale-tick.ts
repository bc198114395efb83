import { queueKeys } from '@ticketing/queue-pass';
import { createLogger, createMetricsRegistry } from '@ticketing/platform/wiring';
import type Redis from 'ioredis';
import type { RedisQueueStore } from '../../../services/queue/dist/src/data-access/queue-store';
import { AdmissionTicker } from '../../../services/queue/dist/src/domain/admission';
import { Liveness } from '../../../services/queue/dist/src/domain/liveness';
import { SnapshotCache } from '../../../services/queue/dist/src/domain/snapshot-cache';
import { queueMetrics } from '../../../services/queue/dist/src/entry-points/metrics';
import type { BenchContext } from '../context';
import type { QueueLines } from '../queue-lines';
import { redisBusyUs } from '../redis-info';
import type { Row } from '../report';

/** The admission tick's Redis time (Redis' own per-command time) at three rates, and a sweep. */
export async function tickRows(
  ctx: BenchContext,
  store: RedisQueueStore,
  lines: QueueLines,
  monitor: Redis,
  concertId: number,
  waiting: number,
  idleMs: number,
): Promise<Row[]> {
  const logger = createLogger({ service: 'bench', level: 'silent' });
  const rows: Row[] = [];
  const rates = (ctx.smoke ? [100, 1000] : [100, 10_000, 100_000]).filter((r) => r < waiting);
  const meta = queueKeys(concertId).meta;
  const liveness = new Liveness(idleMs);
  for (const rate of rates) {
    const settings = {
      admitPerSecond: rate,
      maxActive: 10_000_000,
      activeTtlMs: 600_000,
      idleMs: idleMs,
      tokenMaxAgeSeconds: 3600,
      streamTicketTtlSeconds: 120,
    };
    const ticker = new AdmissionTicker(
      store,
      settings,
      liveness,
      new SnapshotCache(store, 500),
      logger,
      queueMetrics(createMetricsRegistry('bench')),
      lines.of(store),
    );
    // A full bucket, the counter settled, no sweep due: this tick is admission alone.
    await store.redis.hset(meta, 'at', 0, 's2', waiting, 't2', 0, 'swept', 2 ** 40);
    const before = await redisBusyUs(monitor);
    const started = performance.now();
    await ticker.tickConcert(concertId);
    const wallMs = performance.now() - started;
    const busyMs = ((await redisBusyUs(monitor)) - before) / 1000;
    rows.push({
      scenario: `queue-scale: admission tick, ${rate.toLocaleString('en')} admitted`,
      value: `${busyMs.toFixed(2)} ms Redis busy`,
      target: '≤ 1 ms Redis busy per tick at 100,000 admissions',
      met: busyMs <= 1,
      notes: `Redis' own time (INFO commandstats usec, every command of the tick); the tick took ${wallMs.toFixed(1)} ms of wall time (walking the bitmaps in the instance)`,
    });
  }
  // One sweep of idle fans over the whole crowd (once per window, by one instance).
  await store.redis.hset(meta, 'swept', -1);
  const sweeper = new AdmissionTicker(
    store,
    {
      admitPerSecond: 0,
      maxActive: 0,
      activeTtlMs: 1,
      idleMs: 1000,
      tokenMaxAgeSeconds: 60,
      streamTicketTtlSeconds: 60,
    },
    new Liveness(1000),
    new SnapshotCache(store, 500),
    logger,
    queueMetrics(createMetricsRegistry('bench')),
    lines.of(store),
  );
  const before = await redisBusyUs(monitor);
  await sweeper.tickConcert(concertId);
  const busyMs = ((await redisBusyUs(monitor)) - before) / 1000;
  rows.push({
    scenario: `queue-scale: idle sweep over ${waiting.toLocaleString('en')} numbers`,
    value: `${busyMs.toFixed(1)} ms Redis busy`,
    notes:
      'once per window (half the idle timeout) per concert, by one instance; here every fan is idle and dropped',
  });
  return rows;
}
