import fs from 'node:fs';
import path from 'node:path';
import { nonNegativeFit } from './costs';
import type { CostModel, RehearsalReport } from './model';
import { costsOf, readReports, sameSaleOf, seriesOf } from './refit';
import { latestReport } from './report-files';
import { retryAfterSeconds } from '../../../services/queue/dist/src/domain/estimates';

/** The work of a sale, as the cost model counts it. */
export interface SaleWork {
  seconds: number;
  joins: number;
  waitingFanMinutes: number;
  tickets: number;
}

/** What a component needs at the sale's peak, and over the whole sale. */
export interface ComponentPlan {
  component: string;
  peakCores: number;
  cpuSeconds: number;
  /** Instances of a service (Node runs one core each, kept below TARGET_UTILISATION). */
  instances?: number;
  coresPerInstance?: number;
}

export interface CapacityPlan {
  target: { fans: number; seats: number; minutes: number; admitPerSecond: number };
  peak: { joinsPerSecond: number; waitingFans: number; ticketsPerSecond: number };
  components: ComponentPlan[];
  redisMemoryMb: number;
  /** Which rehearsals the costs came from (their files, comma-separated). */
  source: string;
  /** The planned rush's joins a second over the rehearsal's: how far its costs are stretched. */
  joinRateOverRehearsal: number;
}

// Past this many times the rehearsal's join rate its cost a join is an upper bound (it falls as
// batches fill: docs/capacity.md), and the plan says so.
const STRETCH_WARNED = 10;

// A Node process uses at most one core; an instance is planned to run at 60 % of it at the peak.
const TARGET_UTILISATION = 0.6;
const MIN_INSTANCES = 2;
const SERVICES = new Set(['queue', 'concert', 'reservation', 'wallet', 'payment', 'gateway']);

/** A component's CPU (cores, per second) for `work` done per second. */
export const coresFor = (m: CostModel, perSecond: Omit<SaleWork, 'seconds'>) =>
  m.baseCores +
  m.perJoin * perSecond.joins +
  m.perWaitingFanMinute * perSecond.waitingFanMinutes +
  m.perTicket * perSecond.tickets;

/** A component's CPU-seconds over a whole sale's work. */
export const cpuSecondsFor = (m: CostModel, work: SaleWork) =>
  m.baseCores * work.seconds +
  m.perJoin * work.joins +
  m.perWaitingFanMinute * work.waitingFanMinutes +
  m.perTicket * work.tickets;

/** The sale a plan is for; its admission rate absent: the rehearsal's, scaled to the seats. */
export interface SaleToPlan {
  fans: number;
  seats: number;
  minutes: number;
  admitPerSecond?: number;
}

/**
 * `--plan`: the sale, and the reports to plan from (runs of one sale, their costs fitted
 * together) and the file to keep the plan in, if given.
 */
export type PlanRequest = SaleToPlan & { from?: string[]; write?: string };

/**
 * The capacity a sale of `fans` and `seats` over `minutes` needs, from the costs of one
 * rehearsal or of several runs of one sale, fitted together. The
 * sale is assumed shaped as the rehearsal's: the same share of fans in a rush of the same length
 * at the opening, every fan waiting until admitted or told sold out, tickets sold at the
 * admission rate — the one asked for, or else the rehearsal's scaled to keep its time to sell out
 * (seats ÷ rate).
 */
export function planCapacity(
  reports: RehearsalReport[],
  target: SaleToPlan,
  source: string,
): CapacityPlan {
  const meta = sameSaleOf(reports);
  const rushShare = Number(/^(\d+)%/.exec(meta.arrival)?.[1] ?? 80) / 100;
  const rushS = rushWindowOf(meta.arrival);
  const admitPerSecond =
    target.admitPerSecond ?? Math.ceil(meta.admitPerSecond * (target.seats / meta.seats));
  const peak = {
    joinsPerSecond: (target.fans * rushShare) / rushS,
    waitingFans: target.fans * rushShare,
    ticketsPerSecond: admitPerSecond,
  };
  // A waiting fan costs the polls `Retry-After` asks of them, which depend on the line's length
  // and the admission rate: the rehearsal's cost per fan-minute is scaled by the target line's
  // polls per fan-minute over the rehearsal's own line's.
  const polls =
    pollsPerFanMinute(peak.waitingFans, admitPerSecond) /
    pollsPerFanMinute(meta.fans * rushShare, meta.admitPerSecond);
  const perSecond = {
    joins: peak.joinsPerSecond,
    waitingFanMinutes: (polls * peak.waitingFans) / 60,
    tickets: peak.ticketsPerSecond,
  };
  const sellOutS = target.seats / admitPerSecond;
  const work: SaleWork = {
    seconds: target.minutes * 60,
    joins: target.fans,
    // Every fan waits from arrival until sold out or admitted: about half the sell-out on average.
    waitingFanMinutes:
      (polls * target.fans * Math.min(target.minutes * 60, sellOutS + rushS)) / 2 / 60,
    tickets: target.seats,
  };
  const components = costsOf(...reports).map((m): ComponentPlan => {
    const peakCores = coresFor(m, perSecond);
    const plan: ComponentPlan = {
      component: m.component,
      peakCores: hundredths(peakCores),
      cpuSeconds: Math.round(cpuSecondsFor(m, work)),
    };
    if (!SERVICES.has(m.component)) return plan;
    const instances = Math.max(MIN_INSTANCES, Math.ceil(peakCores / TARGET_UTILISATION));
    // Rounded up: the instances together cover the peak.
    const coresPerInstance = Math.ceil(Math.max(0.1, peakCores / instances) * 100) / 100;
    return { ...plan, instances, coresPerInstance };
  });
  return {
    target: { fans: target.fans, seats: target.seats, minutes: target.minutes, admitPerSecond },
    peak: { ...peak, joinsPerSecond: Math.round(peak.joinsPerSecond) },
    components,
    redisMemoryMb: Math.round(redisMbFor(reports, peak.waitingFans)),
    source,
    // The same rush shape: its joins a second stretched as far as its fans.
    joinRateOverRehearsal: hundredths(target.fans / meta.fans),
  };
}

/**
 * Polls a minute per waiting fan in a line of `waiting` at `admitPerSecond`, as the queue's
 * `Retry-After` asks them (every second near the front, up to every 30 s far back): a long line
 * polls less per fan than a short one.
 */
export function pollsPerFanMinute(waiting: number, admitPerSecond: number): number {
  const fans = Math.max(1, Math.round(waiting));
  let perSecond = 0;
  for (let position = 1; position <= fans; position++)
    perSecond += 1 / retryAfterSeconds(position, admitPerSecond);
  return (60 * perSecond) / fans;
}

/** The rush's length in seconds, from the arrival's description ("from 10 s before … to 50 s after"). */
function rushWindowOf(arrival: string): number {
  const m = /from (\d+) s before the opening to (\d+) s after/.exec(arrival);
  return m ? Number(m[1]) + Number(m[2]) : 60;
}

/** Redis' memory for `waitingFans`, from the rehearsals' memory against their waiting fans. */
export function redisMbFor(reports: RehearsalReport[], waitingFans: number): number {
  const rows = reports.flatMap((report) => {
    const fans = seriesOf(report, 'Fans by state')?.waiting;
    const redis = seriesOf(report, 'Redis memory')?.['every node'];
    if (!fans || !redis) return [];
    return fans.flatMap((f, i) =>
      f === null || redis[i] === null || redis[i] === undefined
        ? []
        : [{ x: [1, f], y: redis[i]! }],
    );
  });
  if (rows.length < 2) return 0;
  const [base, perFan] = nonNegativeFit(rows);
  return base! + perFan! * waitingFans;
}

/** To the hundredth: how plans and checks print their figures. */
export const hundredths = (n: number) => Math.round(n * 100) / 100;

/**
 * `--plan`: the plan for a sale, printed, from the newest rehearsal report (or `--from`'s); kept
 * as JSON in `write` when asked (what deploy/k8s sizes the production overlay from).
 */
export function printPlan(target: PlanRequest, say: (line: string) => void): void {
  const files = target.from ?? [latestReport()].filter((f) => f !== undefined);
  if (files.length === 0)
    throw new Error('no rehearsal report to plan from: run `npm run rehearse` first');
  const reports = readReports(files);
  const plan = planCapacity(reports, target, files.map((f) => path.basename(f)).join(', '));
  const { meta } = reports[0]!;
  if (target.write) fs.writeFileSync(target.write, `${JSON.stringify(plan, null, 2)}\n`);
  say(
    `a sale of ${plan.target.fans.toLocaleString('en')} fans and ${plan.target.seats.toLocaleString('en')} seats over ${plan.target.minutes} minutes, admitting ${plan.target.admitPerSecond}/s`,
  );
  say(
    `peak: ${plan.peak.joinsPerSecond.toLocaleString('en')} joins/s, ${Math.round(plan.peak.waitingFans).toLocaleString('en')} fans waiting, ${plan.peak.ticketsPerSecond} tickets/s`,
  );
  for (const c of plan.components)
    say(
      `${c.component.padEnd(16)} ${String(c.peakCores).padStart(8)} cores at the peak${c.instances ? `: ${c.instances} instances × ${c.coresPerInstance} cores` : ''}`,
    );
  say(`Redis memory: ${plan.redisMemoryMb.toLocaleString('en')} MB`);
  say(
    `costs from ${plan.source} (${meta.fans} fans, ${meta.seats} seats, ${meta.shape} shape${reports.length > 1 ? `, ${reports.length} runs fitted together` : ''})`,
  );
  if (plan.joinRateOverRehearsal > STRETCH_WARNED)
    say(
      `the rush joins ${plan.joinRateOverRehearsal}× as fast as the rehearsal's: the queue's and gateway's cores are an upper bound (docs/capacity.md)`,
    );
  if (target.write) say(`plan kept in ${target.write}`);
}
