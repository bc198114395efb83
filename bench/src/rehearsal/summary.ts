import { byComponent, fitCosts, type CostModel, type WorkSecond } from './costs';
import type { FanOutcome } from './fan';
import type { Check, RehearsalSummary, StepLatency, UnitCosts } from './model';
import { quantile, type Recorder } from './recorder';
import type { SystemSample } from './sampler';
import { secondsOf } from './seconds';
import { STEPS } from './timeline';

// The rush is the minute with the most payments.
const RUSH_WINDOW_S = 60;

/** The seconds of a run as work done and CPU spent: what the cost model is fitted on. */
export function workSeconds(recorder: Recorder, samples: SystemSample[]): WorkSecond[] {
  const recorded = recorder.timeline();
  // A sample's CPU is an average over the seconds it covers (more than one when it came late):
  // the work beside it is the same seconds' average.
  return samples.map((sample) => {
    const seconds = secondsOf(sample);
    const perSecond = (event: string) =>
      seconds.reduce((sum, i) => sum + (recorded.perSecond[i]?.events.get(event) ?? 0), 0) /
      seconds.length;
    return {
      joins: perSecond('joined'),
      waitingFanMinutes: (recorded.states[seconds.at(-1)!]?.waiting ?? 0) / 60,
      tickets: perSecond('sold'),
      cpu: sample.cpu,
    };
  });
}

export function summarize(input: {
  recorder: Recorder;
  samples: SystemSample[];
  outcomes: FanOutcome[];
  checks: Check[];
  opensAtS: number;
  sold: number;
  seats: number;
  completed: number;
  failed: number;
  generatorCpuSeconds: number;
}): { summary: RehearsalSummary; model: CostModel[] } {
  const { recorder, samples, outcomes } = input;
  const recorded = recorder.timeline();
  const paidAt = outcomes.flatMap((o) => (o.paidAtS === undefined ? [] : [o.paidAtS]));
  const lastSoldS = paidAt.length > 0 ? Math.max(...paidAt) : undefined;
  // Fans who were in line when the last seat sold: one arriving later is told SOLD_OUT as they
  // join, which says nothing about how fast the waiting ones were told.
  const toldAt = outcomes.flatMap((o) =>
    o.toldSoldOutAtS === undefined ||
    o.joinedAtS === undefined ||
    lastSoldS === undefined ||
    o.joinedAtS > lastSoldS
      ? []
      : [o.toldSoldOutAtS],
  );
  const soldOut = input.sold >= input.seats && lastSoldS !== undefined;
  const fansJoined = outcomes.filter((o) => o.joinedAtS !== undefined).length;
  const waitingFanMinutes = outcomes.reduce((a, o) => a + o.waitedS, 0) / 60;

  const all = new Map<string, number[]>();
  for (const second of recorded.perSecond)
    for (const [step, ms] of second.calls) {
      let into = all.get(step);
      if (!into) all.set(step, (into = []));
      for (const m of ms) into.push(m);
    }
  const steps: StepLatency[] = STEPS.filter((s) => all.has(s)).map((step) => {
    const sorted = all.get(step)!.sort((a, b) => a - b);
    return {
      step,
      count: sorted.length,
      p50Ms: Math.round(quantile(sorted, 0.5)),
      p99Ms: Math.round(quantile(sorted, 0.99)),
    };
  });

  const model = fitCosts(workSeconds(recorder, samples));
  const totals: Record<string, number> = {};
  const peaks: Record<string, number> = {};
  for (const sample of samples) {
    for (const [component, cores] of Object.entries(byComponent(sample.cpu)))
      totals[component] = (totals[component] ?? 0) + cores * (sample.spanS ?? 1);
    const rss: Record<string, number> = {};
    for (const [name, mb] of Object.entries(sample.rssMb))
      rss[name.replace(/-\d+$/, '')] = (rss[name.replace(/-\d+$/, '')] ?? 0) + mb;
    for (const [component, mb] of Object.entries(rss))
      peaks[component] = Math.max(peaks[component] ?? 0, mb);
  }
  totals['load generator'] = input.generatorCpuSeconds;
  const per = (cpu: number, units: number) => (units > 0 ? cpu / units : 0);
  const costs: UnitCosts[] = Object.entries(totals).map(([component, cpuSeconds]) => ({
    component,
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    perFanJoined: per(cpuSeconds, fansJoined),
    perWaitingFanMinute: per(cpuSeconds, waitingFanMinutes),
    perTicketSold: per(cpuSeconds, input.sold),
    peakRssMb: Math.round(peaks[component] ?? 0),
  }));

  return {
    summary: {
      ...(soldOut && { sellOutS: Number((lastSoldS - input.opensAtS).toFixed(1)) }),
      ...(soldOut &&
        toldAt.length > 0 && {
          lastToldSoldOutS: Number(Math.max(0, Math.max(...toldAt) - lastSoldS).toFixed(1)),
        }),
      fansJoined,
      ticketsSold: input.sold,
      paymentsCompleted: input.completed,
      paymentsFailed: input.failed,
      waitingFanMinutes: Number(waitingFanMinutes.toFixed(1)),
      checks: input.checks,
      steps,
      answers: Object.fromEntries([...recorder.answers].sort()),
      rush: rushOf(recorder),
      costs,
    },
    model,
  };
}

/** The minute with the most tickets sold: payments per second then, and the pay step's p99. */
function rushOf(recorder: Recorder): RehearsalSummary['rush'] {
  const seconds = recorder.timeline().perSecond;
  let best = { fromS: 0, sold: -1 };
  for (let from = 0; from < Math.max(1, seconds.length - RUSH_WINDOW_S + 1); from++) {
    let sold = 0;
    for (let i = from; i < Math.min(seconds.length, from + RUSH_WINDOW_S); i++)
      sold += seconds[i]!.events.get('sold') ?? 0;
    if (sold > best.sold) best = { fromS: from, sold };
  }
  const toS = Math.min(seconds.length, best.fromS + RUSH_WINDOW_S);
  const pays = seconds
    .slice(best.fromS, toS)
    .flatMap((s) => s.calls.get('pay') ?? [])
    .sort((a, b) => a - b);
  return {
    paymentsPerSecond: Number((Math.max(0, best.sold) / Math.max(1, toS - best.fromS)).toFixed(1)),
    p99Ms: Math.round(quantile(pays, 0.99)),
    fromS: best.fromS,
    toS,
  };
}
