import type { SeriesGroup, Timeline } from './model';
import { FAN_STATES, quantile, type FanState, type Recorder } from './recorder';
import type { SystemSample } from './sampler';
import { secondsOf } from './seconds';

/** The steps whose latency is charted, in a fan's order. */
export const STEPS = [
  'join',
  'poll',
  'stream',
  'dates',
  'seats',
  'hold',
  'top-up',
  'pay',
  'payment',
];

const STATE_LABELS: Record<string, string> = {
  arriving: 'joining',
  waiting: 'waiting',
  admitted: 'admitted',
  holding: 'holding',
  paying: 'paying',
  paid: 'paid',
  failed: 'payment failed',
  soldOut: 'told sold out',
  left: 'left',
  gaveUp: 'gave up',
};

/** The per-second charts of a rehearsal, from what the fans saw and what the sampler read. */
export function timelineOf(recorder: Recorder, samples: SystemSample[]): Timeline {
  const recorded = recorder.timeline();
  // Each sample in the seconds it covers, whatever how many came before it.
  const bySecond: (SystemSample | undefined)[] = [];
  for (const sample of samples) for (const i of secondsOf(sample)) bySecond[i] = sample;
  const length = Math.max(recorded.states.length, bySecond.length, recorded.seconds);
  const t = Array.from({ length }, (_, i) => i + 1);
  const perSecond = (i: number) => recorded.perSecond[i];
  const sampleAt = (i: number) => bySecond[i];
  // Fans stay in their state between two counts: a second a late tick missed shows the last.
  const states: (Record<FanState, number> | undefined)[] = [];
  for (let i = 0; i < length; i++) states[i] = recorded.states[i] ?? states[i - 1];
  const series = (read: (i: number) => number | null | undefined) =>
    t.map((_, i) => read(i) ?? null);
  const keyed = (
    names: string[],
    read: (name: string, i: number) => number | null | undefined,
  ): Record<string, (number | null)[]> =>
    Object.fromEntries(names.map((name) => [name, series((i) => read(name, i))]));
  const namesIn = (pick: (s: SystemSample) => Record<string, unknown>) =>
    [...new Set(samples.flatMap((s) => Object.keys(pick(s))))].sort();

  const groups: SeriesGroup[] = [
    {
      title: 'Fans by state',
      unit: 'fans',
      stacked: true,
      series: Object.fromEntries(
        FAN_STATES.map((state) => [STATE_LABELS[state]!, series((i) => states[i]?.[state])]),
      ),
    },
    {
      title: 'Joins, admissions, holds and payments per second',
      unit: 'per second',
      series: keyed(['joined', 'admitted', 'held', 'sold'], (name, i) =>
        perSecond(i) ? (perSecond(i)!.events.get(name) ?? 0) : null,
      ),
    },
    latencyGroup('p50', 0.5, t.length, perSecond),
    latencyGroup('p99', 0.99, t.length, perSecond),
    {
      // What the line's services answer: a waiting fan's polls, more than anything else.
      title: 'Requests per second by step',
      unit: 'per second',
      series: keyed(STEPS, (step, i) =>
        perSecond(i) ? (perSecond(i)!.calls.get(step)?.length ?? 0) : null,
      ),
    },
    {
      title: 'Answers by status',
      unit: 'per second',
      series: keyed(
        [...new Set(recorded.perSecond.flatMap((s) => [...s.statuses.keys()]))].sort(),
        (status, i) => (perSecond(i) ? (perSecond(i)!.statuses.get(status) ?? 0) : null),
      ),
    },
    {
      title: 'CPU of every process',
      unit: 'cores',
      series: keyed(
        namesIn((s) => s.cpu),
        (name, i) => sampleAt(i)?.cpu[name],
      ),
    },
    {
      title: 'The load generator: its cores, and its event loop’s p99 delay in seconds',
      unit: 'cores / s',
      series: {
        cores: series((i) => sampleAt(i)?.generator.cores),
        'event-loop delay p99 (s)': series((i) => {
          const ms = sampleAt(i)?.generator.loopDelayMs;
          return ms === undefined ? undefined : ms / 1000;
        }),
      },
    },
    {
      title: 'Memory of every process',
      unit: 'MB',
      series: keyed(
        namesIn((s) => s.rssMb),
        (name, i) => sampleAt(i)?.rssMb[name],
      ),
    },
    {
      title: 'Heap in use of every Node process',
      unit: 'MB',
      series: keyed(
        namesIn((s) => s.heapMb ?? {}),
        (name, i) => sampleAt(i)?.heapMb?.[name],
      ),
    },
    {
      title: 'Consumer lag per group',
      unit: 'messages',
      series: keyed(
        namesIn((s) => s.lag),
        (name, i) => sampleAt(i)?.lag[name],
      ),
    },
    {
      title: 'Outbox rows waiting per service',
      unit: 'rows',
      series: keyed(
        namesIn((s) => s.outbox),
        (name, i) => sampleAt(i)?.outbox[name],
      ),
    },
    {
      title: 'Inbox rows kept per service',
      unit: 'rows',
      series: keyed(
        namesIn((s) => s.inbox),
        (name, i) => sampleAt(i)?.inbox[name],
      ),
    },
    {
      title: 'Oldest inbox row per service',
      unit: 'seconds',
      series: keyed(
        namesIn((s) => s.inboxAgeS ?? {}),
        (name, i) => sampleAt(i)?.inboxAgeS?.[name],
      ),
    },
    {
      title: 'Redis memory',
      unit: 'MB',
      series: { 'every node': series((i) => sampleAt(i)?.redisMb) },
    },
    {
      title: 'Largest tables',
      unit: 'MB',
      series: keyed(
        namesIn((s) => s.tablesMb),
        (name, i) => sampleAt(i)?.tablesMb[name],
      ),
    },
    {
      title: 'Open file descriptors',
      unit: 'descriptors',
      series: keyed(
        namesIn((s) => s.fds),
        (name, i) => sampleAt(i)?.fds[name],
      ),
    },
  ];
  return { t, groups };
}

function latencyGroup(
  label: string,
  q: number,
  length: number,
  perSecond: (i: number) => { calls: Map<string, number[]> } | undefined,
): SeriesGroup {
  return {
    title: `Latency ${label} of each step`,
    unit: 'ms',
    series: Object.fromEntries(
      STEPS.map((step) => [
        step,
        Array.from({ length }, (_, i) => {
          const latencies = perSecond(i)?.calls.get(step);
          if (!latencies || latencies.length === 0) return null;
          return Math.round(
            quantile(
              [...latencies].sort((a, b) => a - b),
              q,
            ),
          );
        }),
      ]),
    ),
  };
}
