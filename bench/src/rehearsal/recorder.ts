/**
 * What the fans saw, second by second: every call's step, status and latency, and how many fans
 * are in each state. The load generator records into it; the report is made from it at the end.
 */

/** Where a fan is in their journey. */
export type FanState =
  | 'arriving'
  | 'waiting'
  | 'admitted'
  | 'holding'
  | 'paying'
  | 'paid'
  | 'failed'
  | 'soldOut'
  | 'left'
  | 'gaveUp';

export const FAN_STATES: FanState[] = [
  'arriving',
  'waiting',
  'admitted',
  'holding',
  'paying',
  'paid',
  'failed',
  'soldOut',
  'left',
  'gaveUp',
];

/** One call as a fan made it: its step ("join", "poll", "hold", …), status (599: no answer). */
export interface CallRecord {
  step: string;
  status: number;
  /** Safe to repeat: a GET, or a write carrying an Idempotency-Key. */
  safe: boolean;
  ms: number;
  /** Why no answer came (599): the socket's error code, or TIMEOUT. */
  cause?: string;
}

interface Second {
  calls: Map<string, number[]>;
  statuses: Map<string, number>;
  events: Map<string, number>;
}

export class Recorder {
  private readonly startedAt: number;
  private readonly seconds: Second[] = [];
  private readonly fans = new Map<FanState, number>();
  private readonly states: (Record<FanState, number> | undefined)[] = [];
  /** Every 5xx a fan saw on a call safe to repeat, with its second. */
  readonly unsafeFailures: { second: number; step: string; status: number; cause?: string }[] = [];
  readonly answers = new Map<string, number>();

  constructor(startedAt = Date.now()) {
    this.startedAt = startedAt;
    for (const s of FAN_STATES) this.fans.set(s, 0);
  }

  /** Seconds since the start. */
  now(): number {
    return (Date.now() - this.startedAt) / 1000;
  }

  call(record: CallRecord): void {
    const second = this.second();
    let latencies = second.calls.get(record.step);
    if (!latencies) second.calls.set(record.step, (latencies = []));
    latencies.push(record.ms);
    const status = record.status === 599 ? 'no answer' : String(record.status);
    second.statuses.set(status, (second.statuses.get(status) ?? 0) + 1);
    const answer = `${record.step} ${status}`;
    this.answers.set(answer, (this.answers.get(answer) ?? 0) + 1);
    if (record.safe && record.status >= 500)
      this.unsafeFailures.push({ second: Math.floor(this.now()), ...record });
  }

  /** Something that happened once, counted per second ("joined", "admitted", "sold"). */
  event(name: string, count = 1): void {
    const second = this.second();
    second.events.set(name, (second.events.get(name) ?? 0) + count);
  }

  /** A fan moves from one state to another. */
  move(from: FanState | undefined, to: FanState): void {
    if (from) this.fans.set(from, this.fans.get(from)! - 1);
    this.fans.set(to, this.fans.get(to)! + 1);
  }

  /** How many fans are in each state now. */
  counts(): Record<FanState, number> {
    return Object.fromEntries(this.fans) as Record<FanState, number>;
  }

  /**
   * Takes the states' counts for the second that ended at `atS` (the sampler's tick, about each
   * second; a late tick leaves the seconds before it without counts).
   */
  sampleStates(atS: number): void {
    this.states[Math.max(0, atS - 1)] = this.counts();
  }

  /** What was recorded, for the report: per second, and every call's latencies by step. */
  timeline(): {
    seconds: number;
    /** Sparse: a second without a tick has none. */
    states: (Record<FanState, number> | undefined)[];
    perSecond: {
      calls: Map<string, number[]>;
      statuses: Map<string, number>;
      events: Map<string, number>;
    }[];
  } {
    return { seconds: this.seconds.length, states: this.states, perSecond: this.seconds };
  }

  private second(): Second {
    const index = Math.floor(this.now());
    while (this.seconds.length <= index)
      this.seconds.push({ calls: new Map(), statuses: new Map(), events: new Map() });
    return this.seconds[index]!;
  }
}

/** The value at quantile `q` of sorted values (0 when there are none). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
