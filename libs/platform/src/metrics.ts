import { Registry, collectDefaultMetrics, type Metric } from 'prom-client';

/** A process's metrics registry, every metric labelled with its service. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay is sampled once a second, not prom-client's 10 ms: 100 wake-ups a second
  // were most of an idle process's CPU (10 still were a third of it). A stall shows up as the
  // lateness of the next sample, so one worth alerting on is seen all the same.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  return registry;
}

/**
 * The registry's metric of that name, made by `create` the first time: parts of one process that
 * report the same metric (each consumer, each retention task) share it instead of colliding.
 */
export function metricOnce<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
