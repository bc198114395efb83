/**
 * What a rehearsal of an on-sale records (`npm run rehearse`): the JSON beside its HTML report,
 * and what the capacity plan reads its per-unit costs from. Times are seconds from the start of
 * the sale's measurement; each series has one value per second (`timeline.t`), `null` where
 * nothing was sampled (a broker down, a process not yet started).
 */
export interface RehearsalReport {
  /** The schema of this file: bumped when a field changes meaning. */
  version: 1;
  meta: RehearsalMeta;
  timeline: Timeline;
  /** Faults injected, each marked on the time axis. */
  faults: FaultMark[];
  summary: RehearsalSummary;
  /** Each component's fitted costs per unit of work: what the capacity plan scales. */
  model: CostModel[];
}

/** A component's fitted costs: cores at idle, CPU-seconds per unit of each kind of work. */
export interface CostModel {
  component: string;
  baseCores: number;
  perJoin: number;
  perWaitingFanMinute: number;
  perTicket: number;
  /** How much of the component's CPU over the run the fit explains (0..1). */
  explained: number;
}

export interface RehearsalMeta {
  startedAt: string;
  /** `production`: three brokers, a Postgres pair, a Redis Cluster with replicas; `single`. */
  shape: 'production' | 'single';
  instances: number;
  fans: number;
  seats: number;
  dates: number;
  /** The arrival curve, as the flags gave it (e.g. "80% within 30 s of the opening, then 4 min"). */
  arrival: string;
  admitPerSecond: number;
  /** Seconds from the start to the opening of sales. */
  opensAtS: number;
  faults: boolean;
  soak: boolean;
  node: string;
  commit: string;
  cores: number;
  memoryGiB: number;
  /** How long the measured part took, seconds. */
  durationS: number;
}

/** A named group of per-second series, drawn as one chart. */
export interface SeriesGroup {
  /** e.g. "fans", "rates", "latency p99 (ms)", "CPU (cores)". */
  title: string;
  unit: string;
  /** Each line of the chart: its name and one value per second (null: no sample). */
  series: Record<string, (number | null)[]>;
  /** Stacked areas (fans by state) rather than lines. */
  stacked?: boolean;
}

export interface Timeline {
  /** Seconds from the start, one per sample. */
  t: number[];
  /**
   * The charts, in the order the report shows them: fans by state (waiting, admitted, holding,
   * paid, sold out, left), joins/admissions/holds/payments per second, p50 and p99 of each step,
   * answers by status, CPU and memory of every process, consumer lag per group, outbox and inbox
   * sizes, Redis memory, Postgres table sizes, open file descriptors.
   */
  groups: SeriesGroup[];
}

export interface FaultMark {
  name: string;
  /** When it was injected and when it was over (the component back), seconds. */
  atS: number;
  endS: number;
  /** Why it could not be injected or did not recover (absent: it did). */
  failed?: string;
}

/** A check the summary states: what was checked, whether it held, and its evidence. */
export interface Check {
  name: string;
  held: boolean;
  detail: string;
}

/** Whole-run CPU per unit of work, for one component (a service's instances, or a piece of infrastructure). */
export interface UnitCosts {
  component: string;
  cpuSeconds: number;
  /** CPU-seconds per fan who joined, per waiting fan-minute, per ticket sold. */
  perFanJoined: number;
  perWaitingFanMinute: number;
  perTicketSold: number;
  /** The most memory its processes held at once (MB, summed over its processes). */
  peakRssMb: number;
}

export interface StepLatency {
  step: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RehearsalSummary {
  /** Seconds from the opening to the last seat sold (undefined: not sold out). */
  sellOutS?: number;
  /** Seconds from the last seat sold to the last fan in line at that moment told SOLD_OUT. */
  lastToldSoldOutS?: number;
  fansJoined: number;
  ticketsSold: number;
  paymentsCompleted: number;
  paymentsFailed: number;
  /** Fan-minutes spent waiting in line, over every fan. */
  waitingFanMinutes: number;
  /** The invariants and audits: seats = COMPLETED = debits, no seat twice, balances = ledgers, admission in join order, 0 × 5xx on requests safe to repeat. */
  checks: Check[];
  steps: StepLatency[];
  /** Answers by status over the whole run, by call ("POST /payments 201": 2412). */
  answers: Record<string, number>;
  /** Payments per second during the rush: its highest one-minute average, and p99 there. */
  rush: { paymentsPerSecond: number; p99Ms: number; fromS: number; toS: number };
  costs: UnitCosts[];
  /** Slopes after warm-up (per minute), for a soak: RSS per process (MB), Redis memory, table sizes. */
  slopes?: Record<string, number>;
}
