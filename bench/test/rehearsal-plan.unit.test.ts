import type { CostModel, RehearsalReport, SeriesGroup } from '../src/rehearsal/model';
import { planCapacity, pollsPerFanMinute } from '../src/rehearsal/plan';
import { checkPrediction } from '../src/rehearsal/plan-check';
import { costsOf, sameSaleOf } from '../src/rehearsal/refit';
import { sampleReport } from '../src/rehearsal/sample-report';
import { parseRehearsalFlags } from '../src/rehearsal/flags';

const costs: CostModel[] = [
  {
    component: 'queue',
    baseCores: 0.01,
    perJoin: 0.0005,
    perWaitingFanMinute: 0.0002,
    perTicket: 0,
    explained: 1,
  },
  {
    component: 'payment',
    baseCores: 0.02,
    perJoin: 0,
    perWaitingFanMinute: 0,
    perTicket: 0.008,
    explained: 1,
  },
  {
    component: 'kafka',
    baseCores: 0.05,
    perJoin: 0,
    perWaitingFanMinute: 0,
    perTicket: 0.004,
    explained: 1,
  },
];

/** The sample rehearsal with these fitted costs, its whole-run CPU as they predict it. */
function withCosts(report: RehearsalReport, scale = 1): RehearsalReport {
  const { meta, summary } = report;
  const measured = costs.map((m) => ({
    component: m.component,
    cpuSeconds:
      scale *
      (m.baseCores * meta.durationS +
        m.perJoin * summary.fansJoined +
        m.perWaitingFanMinute * summary.waitingFanMinutes +
        m.perTicket * summary.ticketsSold),
    perFanJoined: 0,
    perWaitingFanMinute: 0,
    perTicketSold: 0,
    peakRssMb: 0,
  }));
  return { ...report, model: costs, summary: { ...summary, costs: measured } };
}

describe('the capacity plan', () => {
  it('when the line is ten times longer, then each waiting fan polls less than half as often (Retry-After grows with the place)', () => {
    const short = pollsPerFanMinute(10_000, 100);
    const long = pollsPerFanMinute(100_000, 100);
    expect(long).toBeLessThan(short / 2);
    // Every fan within a second's admissions of the front polls every second.
    expect(pollsPerFanMinute(100, 100)).toBe(60);
  });

  it('when a sale is planned, then each service gets instances for its peak at 60 % of a core, at least two, and infrastructure its cores', () => {
    const plan = planCapacity(
      [withCosts(sampleReport())],
      { fans: 2_000_000, seats: 60_000, minutes: 20 },
      'sample',
    );
    const queue = plan.components.find((c) => c.component === 'queue')!;
    expect(queue.instances).toBe(Math.max(2, Math.ceil(queue.peakCores / 0.6)));
    expect(queue.coresPerInstance! * queue.instances!).toBeGreaterThanOrEqual(
      queue.peakCores - 0.01,
    );
    expect(plan.components.find((c) => c.component === 'kafka')!.instances).toBeUndefined();
    expect(plan.peak.waitingFans).toBeGreaterThan(1_000_000);
    expect(plan.target.admitPerSecond).toBeGreaterThan(sampleReport().meta.admitPerSecond);
    // The same rush, more fans: its joins a second stretched as far as the fans.
    expect(plan.joinRateOverRehearsal).toBeCloseTo(2_000_000 / sampleReport().meta.fans, 1);
  });

  it('when a sale is planned at an admission rate, then its tickets sell at that rate, and without one at the rehearsal’s scaled to the seats', () => {
    const report = withCosts(sampleReport());
    const target = { fans: 2_000_000, seats: 60_000, minutes: 20 };
    const scaled = planCapacity([report], target, 'sample');
    expect(scaled.target.admitPerSecond).toBe(
      Math.ceil(report.meta.admitPerSecond * (60_000 / report.meta.seats)),
    );
    const slower = Math.round(scaled.target.admitPerSecond / 2);
    const asked = planCapacity([report], { ...target, admitPerSecond: slower }, 'sample');
    expect(asked.target.admitPerSecond).toBe(slower);
    expect(asked.peak.ticketsPerSecond).toBe(slower);
    // Half the tickets a second: the saga's service needs less at the peak.
    const payment = (p: typeof asked) => p.components.find((c) => c.component === 'payment')!;
    expect(payment(asked).peakCores).toBeLessThan(payment(scaled).peakCores);
  });

  it('when --plan is given --admit, then the plan carries it; without, the plan has none and a rehearsal admits 100 a second', () => {
    const plan = ['--plan', '--fans=2000000', '--seats=60000', '--minutes=20'];
    expect(parseRehearsalFlags([...plan, '--admit=1500']).plan?.admitPerSecond).toBe(1_500);
    expect(parseRehearsalFlags(plan).plan?.admitPerSecond).toBeUndefined();
    expect(parseRehearsalFlags([]).admitPerSecond).toBe(100);
    expect(() => parseRehearsalFlags([...plan, '--admit=0'])).toThrow(/--admit/);
  });

  it("when a run's costs predict another run's CPU, then the error of each component is reported, and is 0 where the costs hold", () => {
    const report = withCosts(sampleReport());
    expect(checkPrediction([report], [report]).map((c) => c.error)).toEqual([0, 0, 0]);
    const heavier = withCosts(sampleReport(), 1.25);
    for (const c of checkPrediction([report], [heavier])) expect(c.error).toBeCloseTo(-0.2, 9);
  });

  it('when several runs of one sale are planned from, then their seconds are fitted together: a cost between the runs’ own', () => {
    const cheap = runWithTicketsCosting(0.008);
    const dear = runWithTicketsCosting(0.012);
    const perTicket = (...runs: RehearsalReport[]) =>
      costsOf(...runs).find((c) => c.component === 'payment')!.perTicket;
    expect(perTicket(cheap)).toBeCloseTo(0.008, 4);
    expect(perTicket(dear)).toBeCloseTo(0.012, 4);
    expect(perTicket(cheap, dear)).toBeCloseTo(0.01, 4);
    // The plan scales the pooled costs: the payment service's peak at 0.01 CPU-seconds a ticket.
    const plan = planCapacity([cheap, dear], { fans: 50_000, seats: 5_000, minutes: 10 }, 'a, b');
    const payment = plan.components.find((c) => c.component === 'payment')!;
    expect(payment.peakCores).toBeCloseTo(0.05 + 0.01 * plan.peak.ticketsPerSecond, 1);
  });

  it('when a run without its timeline is given with others, then the fit is refused naming it', () => {
    const bare = {
      ...withCosts(sampleReport()),
      meta: { ...sampleReport().meta, startedAt: 'bare' },
    };
    expect(() => costsOf(runWithTicketsCosting(0.01), bare)).toThrow(
      /the run of bare has no timeline/,
    );
  });

  it('when the runs planned from are of different sales, then the plan is refused naming the run and what differs', () => {
    const run = runWithTicketsCosting(0.008);
    const other = { ...run, meta: { ...run.meta, seats: 250, startedAt: 'other' } };
    expect(() => sameSaleOf([run, other], ['a.json', 'b.json'])).toThrow(
      /b\.json is not a run of the sale a\.json is \(seats: 250, not 500\)/,
    );
    const elsewhere = { ...run, meta: { ...run.meta, cores: 16 } };
    expect(() => sameSaleOf([run, elsewhere], ['a.json', 'c.json'])).toThrow(/cores: 16, not 2/);
  });

  it('when a prediction is checked against several runs, then their CPU is summed and so is the work each did', () => {
    const costs = [runWithTicketsCosting(0.01)];
    const slow = runWithTicketsCosting(0.008, 5);
    const busy = runWithTicketsCosting(0.012, 9);
    const [a] = checkPrediction(costs, [slow]);
    const [b] = checkPrediction(costs, [busy]);
    const [both] = checkPrediction(costs, [slow, busy]);
    expect(both!.measuredCpuSeconds).toBeCloseTo(a!.measuredCpuSeconds + b!.measuredCpuSeconds, 1);
    expect(both!.predictedCpuSeconds).toBeCloseTo(
      a!.predictedCpuSeconds + b!.predictedCpuSeconds,
      1,
    );
    // The busier run sold more: its work, not the first run's twice.
    expect(b!.predictedCpuSeconds).toBeGreaterThan(a!.predictedCpuSeconds);
  });

  it('when --from or --check names several reports, then each is read; an empty name is refused', () => {
    const plan = ['--plan', '--fans=2000000', '--seats=60000', '--minutes=20'];
    expect(parseRehearsalFlags([...plan, '--from=a.json,b.json']).plan?.from).toEqual([
      'a.json',
      'b.json',
    ]);
    const check = parseRehearsalFlags(['--plan', '--check=c.json,d.json', '--from=a.json']);
    expect(check.checkPrediction).toEqual({ from: ['a.json'], measured: ['c.json', 'd.json'] });
    expect(() => parseRehearsalFlags([...plan, '--from=a.json,'])).toThrow(/--from/);
    expect(() => parseRehearsalFlags([...plan, '--from=a.json,a.json'])).toThrow(
      /--from: a\.json given twice/,
    );
    expect(() => parseRehearsalFlags(['--plan', '--check=a.json', '--from=a.json'])).toThrow(
      /--check and --from both name a\.json/,
    );
  });
});

/**
 * A ten-minute run of 5,000 fans for 500 seats with the charts the costs are fitted from: the
 * payment service idle at 0.05 cores and `perTicket` CPU-seconds a ticket sold,
 * `ticketsPerSecond` tickets sold from minute two to minute four.
 */
function runWithTicketsCosting(perTicket: number, ticketsPerSecond = 5): RehearsalReport {
  const base = sampleReport({ fans: 5_000, seats: 500, durationS: 600 });
  const t = base.timeline.t;
  const sold = t.map((s) => (s >= 120 && s < 240 ? ticketsPerSecond : 0));
  const payment = sold.map((n) => 0.05 + perTicket * n);
  const groups: SeriesGroup[] = [
    { title: 'Fans by state', unit: 'fans', series: { waiting: t.map(() => 100) } },
    {
      title: 'Joins, admissions, holds and payments per second',
      unit: 'per second',
      series: { joined: t.map(() => 1), sold },
    },
    { title: 'CPU of every process', unit: 'cores', series: { 'payment-1': payment } },
  ];
  const cpuSeconds = payment.reduce((a, c) => a + c, 0);
  const costs = [{ ...base.summary.costs[0]!, component: 'payment', cpuSeconds }];
  return {
    ...base,
    timeline: { t, groups },
    summary: { ...base.summary, ticketsSold: 120 * ticketsPerSecond, costs },
  };
}
