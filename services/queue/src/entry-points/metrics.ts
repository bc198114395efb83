import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueMetrics } from '../domain/queue-metrics';

/** The queue's metrics, scraped at /metrics. */
export function queueMetrics(registry: Registry): QueueMetrics {
  const labelNames = ['concert'];
  const registers = [registry];
  const admitted = new Counter({
    name: 'queue_admitted_total',
    help: 'Fans admitted',
    labelNames,
    registers,
  });
  const dropped = new Counter({
    name: 'queue_idle_dropped_total',
    help: 'Waiting fans who lost their place by going silent',
    labelNames,
    registers,
  });
  const waiting = new Gauge({
    name: 'queue_waiting',
    help: 'Fans in line (as of this instance’s snapshot)',
    labelNames,
    registers,
  });
  const active = new Gauge({
    name: 'queue_active',
    help: 'Fans admitted and active',
    labelNames,
    registers,
  });
  const rebuilds = new Counter({
    name: 'queue_line_rebuilds_total',
    help: 'Lines rebuilt from Postgres after Redis lost them',
    registers,
  });
  const concert = (concertId: number) => ({ concert: String(concertId) });
  return {
    admitted: (concertId, fans) => admitted.inc(concert(concertId), fans),
    droppedIdle: (concertId, fans) => dropped.inc(concert(concertId), fans),
    waiting: (concertId, fans) => waiting.set(concert(concertId), fans),
    active: (concertId, fans) => active.set(concert(concertId), fans),
    lineRebuilt: () => rebuilds.inc(),
    lineGone: (concertId) => {
      for (const metric of [admitted, dropped, waiting, active]) metric.remove(concert(concertId));
    },
  };
}
