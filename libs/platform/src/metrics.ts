import type { Metric, Registry } from 'prom-client';

/**
 * The registry's metric of that name, made by `create` the first time: parts of one process that
 * report the same metric (each consumer, each retention task) share it instead of colliding.
 */
export function metricOnce<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}
