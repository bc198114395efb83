import type { FaultMark, RehearsalReport, SeriesGroup, UnitCosts } from './model';
import { answerGroups, latencyGroups, type Drive, type SampleFaults } from './sample-latency';
import { count } from './report-format';
import { seeded, simulateSale, type Sale } from './sample-sale';
import { systemGroups } from './sample-system';

export interface SampleOptions {
  seed?: number;
  fans?: number;
  seats?: number;
  /** Seconds measured; the sale itself is over within about five minutes of the opening. */
  durationS?: number;
  instances?: number;
}

/**
 * A made-up but realistic rehearsal report (by default 50,000 fans for 2,500 seats over eight
 * minutes, four faults mid-rush), for the renderer's tests and the screenshot in the docs. Pure
 * and deterministic: the same options, the same report.
 */
export function sampleReport(options: SampleOptions = {}): RehearsalReport {
  const { seed = 7, fans = 50_000, seats = 2_500, durationS = 480, instances = 2 } = options;
  const opensAtS = 30;
  const admitPerSecond = 20;
  const window = (from: number, length: number): [number, number] => [
    opensAtS + from,
    opensAtS + from + length,
  ];
  const faults: SampleFaults = {
    broker: window(50, 20),
    queueKill: window(95, 12),
    postgres: window(140, 25),
    redis: window(182, 8),
  };
  const rng = seeded(seed);
  const sale = simulateSale(rng, {
    fans,
    seats,
    durationS,
    opensAtS,
    admitPerSecond,
    faults: { broker: faults.broker, redis: faults.redis, postgres: faults.postgres },
  });
  const drive: Drive = { rng, sale, faults, durationS, instances };
  const groups: SeriesGroup[] = [
    ...saleGroups(sale),
    ...latencyGroups(drive),
    ...answerGroups(drive),
    ...systemGroups(drive),
  ];
  const marks: FaultMark[] = [
    { name: 'kafka-2 stopped', atS: faults.broker[0], endS: faults.broker[1] },
    { name: 'queue-2 killed', atS: faults.queueKill[0], endS: faults.queueKill[1] },
    { name: 'Postgres +40 ms', atS: faults.postgres[0], endS: faults.postgres[1] },
    { name: 'Redis shard a failover', atS: faults.redis[0], endS: faults.redis[1] },
  ];
  const report: RehearsalReport = {
    version: 1,
    meta: {
      startedAt: '2026-11-28T10:00:00Z',
      shape: 'production',
      instances,
      fans,
      seats,
      dates: 1,
      arrival: '80% within 30 s of the opening, then 4 min',
      admitPerSecond,
      opensAtS,
      faults: true,
      soak: false,
      node: 'v24.21.0',
      commit: 'a2df75a',
      cores: 2,
      memoryGiB: 8,
      durationS,
    },
    timeline: { t: Array.from({ length: durationS }, (_, s) => s), groups },
    faults: marks,
    summary: summarise(sale, groups, opensAtS),
    // The fitted costs come from a real run's seconds; a picture needs none.
    model: [],
  };
  return report;
}

const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const last = (xs: readonly number[]) => xs[xs.length - 1] ?? 0;

function saleGroups(sale: Sale): SeriesGroup[] {
  return [
    {
      title: 'fans by state',
      unit: 'fans',
      stacked: true,
      series: {
        waiting: sale.waiting,
        admitted: sale.admitted,
        holding: sale.holding,
        paid: sale.paid,
        'told SOLD_OUT': sale.told,
        left: sale.left,
      },
    },
    {
      title: 'joins and SOLD_OUT answers per second',
      unit: 'fans/s',
      series: { joins: sale.joins, 'told SOLD_OUT': sale.toldNow },
    },
    {
      title: 'admissions, holds and payments per second',
      unit: 'per second',
      series: {
        admissions: sale.admissions,
        holds: sale.holds,
        payments: sale.payments,
        'holds refused (409)': sale.conflicts,
      },
    },
  ];
}

const seriesOf = (groups: SeriesGroup[], title: string) =>
  groups.find((g) => g.title === title)?.series ?? {};

/** A percentile of the values present (nearest rank). */
function percentile(values: readonly (number | null)[], p: number): number {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summarise(sale: Sale, groups: SeriesGroup[], opensAtS: number) {
  const joined = total(sale.joins);
  const sold = last(sale.paid);
  const waitingFanMinutes = Math.round(total(sale.waiting) / 60);
  const p50 = seriesOf(groups, 'p50 of each step');
  const p99 = seriesOf(groups, 'p99 of each step');
  const counts: Record<string, number> = {
    join: joined,
    position: Math.round(total(sale.waiting) * 0.2),
    'seat map': Math.round(total(sale.admitted) * 0.8),
    hold: total(sale.holds) + total(sale.conflicts),
    pay: sold + total(sale.failedPayments),
  };
  const steps = Object.keys(p50).map((step) => ({
    step,
    count: counts[step] ?? 0,
    p50Ms: Math.round(percentile(p50[step]!, 0.5) * 10) / 10,
    p99Ms: Math.round(percentile(p99[step]!, 0.99)),
  }));
  const rush = busiestMinute(sale.payments);
  const saga = seriesOf(groups, 'payment, request to COMPLETED');
  const told = last(sale.told);
  const safe = Math.round(joined * 12 + total(sale.waiting) * 0.2);
  return {
    sellOutS: sale.soldOutAt === undefined ? undefined : sale.soldOutAt - opensAtS,
    lastToldSoldOutS:
      sale.soldOutAt === undefined || sale.lastToldAt === undefined
        ? undefined
        : sale.lastToldAt - sale.soldOutAt,
    fansJoined: joined,
    ticketsSold: sold,
    paymentsCompleted: sold,
    paymentsFailed: total(sale.failedPayments),
    waitingFanMinutes,
    checks: [
      {
        name: 'seats sold = COMPLETED payments = debits',
        held: true,
        detail: `${count(sold)} seats sold, ${count(sold)} payments COMPLETED, ${count(sold)} wallet debits`,
      },
      {
        name: 'no seat sold twice',
        held: true,
        detail: `${count(sold)} tickets on ${count(sold)} distinct seats`,
      },
      {
        name: 'balances = ledgers',
        held: true,
        detail: `${count(joined)} wallets, each balance the sum of its ledger entries`,
      },
      {
        name: 'fans admitted in join order',
        held: true,
        detail: `${count(total(sale.admissions))} admissions over the whole sale, none ahead of an earlier join`,
      },
      {
        name: 'every waiting fan told SOLD_OUT',
        held: told > 0,
        detail: `${count(told)} fans told SOLD_OUT, none left waiting`,
      },
      {
        name: '0 × 5xx on requests safe to repeat',
        held: true,
        detail: `0 of ${count(safe)} (12 × 502 on POST /queue/join, not safe to repeat, as queue-2 was killed)`,
      },
    ],
    steps,
    answers: {
      'POST /queue/join 201': joined - 12,
      'POST /queue/join 502': 12,
      'GET /queue/position 200': counts.position!,
      'GET /seats 200': Math.round(counts['seat map']! * 0.6),
      'GET /seats 304': Math.round(counts['seat map']! * 0.4),
      'POST /holds 201': total(sale.holds),
      'POST /holds 409': total(sale.conflicts),
      'POST /payments 202': sold + total(sale.failedPayments),
      'payment COMPLETED': sold,
      'payment FAILED (402)': total(sale.failedPayments),
    },
    rush: {
      paymentsPerSecond: Math.round(rush.mean * 10) / 10,
      p99Ms: Math.round(percentile(saga.p99!.slice(rush.from, rush.from + 60), 0.99)),
      fromS: rush.from,
      toS: rush.from + 60,
    },
    costs: costs(groups, joined, waitingFanMinutes, sold),
  };
}

/** The one-minute window with the most payments. */
function busiestMinute(payments: readonly number[]): { from: number; mean: number } {
  let best = { from: 0, mean: 0 };
  let sum = 0;
  for (let s = 0; s < payments.length; s++) {
    sum += payments[s]! - (s >= 60 ? payments[s - 60]! : 0);
    if (s >= 59 && sum / 60 > best.mean) best = { from: s - 59, mean: sum / 60 };
  }
  return best;
}

/** CPU-seconds per component (its instances together) over the run, and per unit of work. */
function costs(
  groups: SeriesGroup[],
  joined: number,
  waitingMinutes: number,
  sold: number,
): UnitCosts[] {
  const cpu = {
    ...seriesOf(groups, 'CPU of each service instance'),
    ...seriesOf(groups, 'CPU of the infrastructure'),
  };
  const rss = {
    ...seriesOf(groups, 'memory of each service instance'),
    ...seriesOf(groups, 'memory of the infrastructure'),
  };
  const component = (process: string) => process.replace(/[- ].*$/, '');
  const names = [...new Set(Object.keys(cpu).map(component))];
  return names.map((name) => {
    const mine = (all: Record<string, (number | null)[]>) =>
      Object.entries(all)
        .filter(([p]) => component(p) === name)
        .map(([, v]) => v);
    const cpuSeconds = total(
      mine(cpu)
        .flat()
        .map((v) => v ?? 0),
    );
    const memory = mine(rss);
    const peak = Math.max(
      0,
      ...(memory[0] ?? []).map((_, s) => total(memory.map((m) => m[s] ?? 0))),
    );
    const per = (n: number) => (n > 0 ? cpuSeconds / n : 0);
    return {
      component: name,
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      perFanJoined: per(joined),
      perWaitingFanMinute: per(waitingMinutes),
      perTicketSold: per(sold),
      peakRssMb: Math.round(peak),
    };
  });
}
