import type { SeriesGroup } from './model';
import { gauss, within, type Random, type Sale } from './sample-sale';

/** The faults' windows as the services feel them, seconds from the start. */
export interface SampleFaults {
  broker: [number, number];
  queueKill: [number, number];
  postgres: [number, number];
  redis: [number, number];
}

export interface Drive {
  rng: Random;
  sale: Sale;
  faults: SampleFaults;
  durationS: number;
  instances: number;
}

/** A per-second series from `f` (values to three decimals: the JSON stays small). */
export function perSecond(durationS: number, f: (s: number) => number | null): (number | null)[] {
  return Array.from({ length: durationS }, (_, s) => {
    const v = f(s);
    return v === null ? null : Math.round(Math.max(0, v) * 1000) / 1000;
  });
}

/** Positive noise around 1: `spread` is its relative standard deviation. */
export const jitter = (rng: Random, spread = 0.08) => Math.max(0.2, 1 + spread * gauss(rng));

interface StepShape {
  /** Whether anyone took the step in second `s` (no one: no sample). */
  active(s: number): boolean;
  p50(s: number): number;
  p99(s: number): number;
}

function steps({ sale, faults }: Drive): Record<string, StepShape> {
  const load = (s: number) => sale.joins[s]! / 1000;
  const pg = (s: number, ms: number) => (within(s, faults.postgres) ? ms : 0);
  return {
    join: {
      active: (s) => sale.joins[s]! > 0,
      p50: (s) => 3 + 5 * load(s) + (within(s, faults.redis) ? 35 : 0),
      p99: (s) =>
        14 + 45 * load(s) + (within(s, faults.redis) ? 900 : within(s, faults.queueKill) ? 60 : 0),
    },
    position: {
      active: (s) => sale.waiting[s]! > 0,
      p50: (s) => 1.5 + 0.6 * load(s),
      p99: (s) => 9 + 12 * load(s) + (within(s, faults.queueKill, 4) ? 160 : 0),
    },
    'seat map': {
      active: (s) => sale.admitted[s]! > 0,
      p50: (s) => 5 + sale.holds[s]! / 12 + pg(s, 40),
      p99: (s) => 24 + sale.holds[s]! / 3 + pg(s, 95),
    },
    hold: {
      active: (s) => sale.holds[s]! + sale.conflicts[s]! > 0,
      p50: (s) => 8 + pg(s, 42),
      p99: (s) => 31 + sale.conflicts[s]! / 4 + pg(s, 115),
    },
    pay: {
      active: (s) => sale.payments[s]! > 0,
      p50: (s) => 11 + pg(s, 45),
      p99: (s) => 44 + pg(s, 125) + (within(s, faults.broker) ? 25 : 0),
    },
  };
}

/** p50 and p99 of each step a fan takes, one chart each. */
export function latencyGroups(d: Drive): SeriesGroup[] {
  const shapes = Object.entries(steps(d));
  const group = (title: string, pick: (shape: StepShape, s: number) => number): SeriesGroup => ({
    title,
    unit: 'ms',
    series: Object.fromEntries(
      shapes.map(([name, shape]) => [
        name,
        perSecond(d.durationS, (s) => (shape.active(s) ? pick(shape, s) * jitter(d.rng) : null)),
      ]),
    ),
  });
  return [
    group('p50 of each step', (shape, s) => shape.p50(s)),
    group('p99 of each step', (shape, s) => shape.p99(s)),
    sagaGroup(d),
  ];
}

/**
 * A payment from its request to COMPLETED. While a broker is down the saga's messages wait, so
 * its latency grows with the outage, then falls as the backlog clears.
 */
function sagaGroup({ rng, sale, faults, durationS }: Drive): SeriesGroup {
  const [down, up] = faults.broker;
  const stalled = (s: number) =>
    within(s, faults.broker)
      ? (s - down) * 1000
      : within(s, [up, up + 12])
        ? (up - down) * 1000 * (1 - (s - up) / 12)
        : 0;
  const active = (s: number) => sale.payments[s]! > 0;
  return {
    title: 'payment, request to COMPLETED',
    unit: 'ms',
    series: {
      p50: perSecond(durationS, (s) =>
        active(s) ? (170 + 0.6 * stalled(s)) * jitter(rng, 0.05) : null,
      ),
      p99: perSecond(durationS, (s) => (active(s) ? (390 + stalled(s)) * jitter(rng) : null)),
    },
  };
}

/** Answers per second: the served and the refused on charts of their own (scales apart). */
export function answerGroups({ rng, sale, faults, durationS }: Drive): SeriesGroup[] {
  const polls = (s: number) => sale.waiting[s]! * 0.2 + sale.admitted[s]! * 0.5;
  const peak = (s: number) => Math.min(1, sale.joins[s]! / 1500);
  const killed = (s: number) => within(s, [faults.queueKill[0], faults.queueKill[0] + 2]);
  return [
    {
      title: 'answers served per second',
      unit: 'answers/s',
      series: {
        '2xx': perSecond(durationS, (s) => {
          const served = sale.joins[s]! + polls(s) + sale.holds[s]! + 2 * sale.payments[s]!;
          return (served + sale.toldNow[s]!) * jitter(rng, 0.03);
        }),
        '304 not modified': perSecond(durationS, (s) => sale.admitted[s]! * 0.3 * jitter(rng)),
      },
    },
    {
      title: 'answers refused or failed per second',
      unit: 'answers/s',
      series: {
        '409 seat taken': perSecond(durationS, (s) => sale.conflicts[s]!),
        '429 over budget': perSecond(durationS, (s) => polls(s) * 0.004 * peak(s) * jitter(rng)),
        '402 balance too low': perSecond(durationS, (s) => sale.failedPayments[s]!),
        '5xx': perSecond(durationS, (s) => (killed(s) ? 6 : 0)),
      },
    },
  ];
}
