import type { SystemSample } from './sampler';

/**
 * The seconds a sample covers, as indices of the per-second records (index i: the run's second
 * [i, i + 1)): the one that ended when it was taken, and those before it when a busy machine
 * took it late (its figures are averages over its span). Ticks answered in the stores' time, so
 * there are fewer samples than seconds: a sample's place is its time, never its rank.
 */
export function secondsOf(sample: Pick<SystemSample, 'atS' | 'spanS'>): number[] {
  const last = Math.max(0, sample.atS - 1);
  const first = Math.max(0, last - Math.max(1, Math.round(sample.spanS)) + 1);
  return Array.from({ length: last - first + 1 }, (_, k) => first + k);
}
