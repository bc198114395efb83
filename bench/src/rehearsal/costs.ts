import type { CostModel } from './model';

export type { CostModel };

/**
 * What each component costs per unit of a sale's work, from a rehearsal's seconds: a component's
 * CPU in a second is fitted as an idle base plus a cost per fan who joined, per waiting
 * fan-minute (the polls and streams that keep a fan's place) and per ticket sold (the saga),
 * by least squares with no negative cost. The capacity plan scales these to another sale.
 */

/** One second of a rehearsal: the work done in it, and each component's CPU (cores). */
export interface WorkSecond {
  joins: number;
  /** Fans waiting during the second, as fan-minutes (waiting fans / 60). */
  waitingFanMinutes: number;
  tickets: number;
  cpu: Record<string, number>;
}

const UNITS = ['perJoin', 'perWaitingFanMinute', 'perTicket'] as const;
type Unit = (typeof UNITS)[number];

/**
 * The work that can make each component busy, from the architecture: the sale happens while
 * fans wait, so a fit free to choose would charge a payment's saga to the waiting fans beside
 * it, and a plan for more fans would add payment instances. The line's parts answer joins and
 * waiting fans; the sale's parts answer tickets (their reads, holds and saga); the gateway and
 * Redis (its budgets) all three; Postgres the line's recorded numbers and the sale.
 */
const DRIVERS: Record<string, readonly Unit[]> = {
  queue: ['perJoin', 'perWaitingFanMinute'],
  concert: ['perTicket'],
  reservation: ['perTicket'],
  wallet: ['perTicket'],
  payment: ['perTicket'],
  kafka: ['perTicket'],
  postgres: ['perJoin', 'perTicket'],
};
const driversOf = (component: string): readonly Unit[] => DRIVERS[component] ?? UNITS;

/** The component a process belongs to: `queue-2` → `queue`; infrastructure as it is named. */
export const componentOf = (processName: string) => processName.replace(/-\d+$/, '');

/** Each component's CPU per second, its processes summed. */
export function byComponent(cpu: Record<string, number>): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [name, cores] of Object.entries(cpu))
    sums[componentOf(name)] = (sums[componentOf(name)] ?? 0) + cores;
  return sums;
}

/** Fits every component's costs over the seconds of a run. */
export function fitCosts(seconds: WorkSecond[]): CostModel[] {
  const components = [...new Set(seconds.flatMap((s) => Object.keys(byComponent(s.cpu))))].sort();
  return components.map((component) => {
    if (driversOf(component).join() === 'perTicket') {
      const fitted = ticketDriven(component, seconds);
      if (fitted) return fitted;
    }
    const drives = UNITS.map((u) => (driversOf(component).includes(u) ? 1 : 0));
    const rows = seconds.map((s) => ({
      x: [1, s.joins * drives[0]!, s.waitingFanMinutes * drives[1]!, s.tickets * drives[2]!],
      y: byComponent(s.cpu)[component] ?? 0,
    }));
    const coefficients = nonNegativeFit(rows);
    const total = rows.reduce((a, r) => a + r.y, 0);
    const predicted = rows.reduce((a, r) => a + dot(coefficients, r.x), 0);
    return {
      component,
      baseCores: coefficients[0]!,
      ...(Object.fromEntries(UNITS.map((u, i) => [u, coefficients[i + 1]!])) as Record<
        Unit,
        number
      >),
      explained: total === 0 ? 1 : Math.max(0, 1 - Math.abs(total - predicted) / total),
    };
  });
}

// Seconds this far from any ticket sold count as the sale's parts idling.
const QUIET_S = 15;

/**
 * A component only tickets make busy: a ticket's work (the dates and seat map read, the hold, the
 * top-up, the saga's hops) comes over the seconds before it is counted, so a second-by-second fit
 * pairs it with the wrong seconds and calls much of it idle. Its base is the mean of the seconds
 * at least QUIET_S from any ticket, and its cost per ticket the rest of the run's CPU divided by
 * the tickets (undefined when fewer than QUIET_S seconds are quiet).
 */
function ticketDriven(component: string, seconds: WorkSecond[]): CostModel | undefined {
  const cores = seconds.map((s) => byComponent(s.cpu)[component] ?? 0);
  const quiet = cores.filter((_, i) =>
    seconds.slice(Math.max(0, i - QUIET_S), i + QUIET_S + 1).every((s) => s.tickets === 0),
  );
  // Tickets sold all along (a steady sale) leave no quiet second: the second-by-second fit then.
  if (quiet.length < QUIET_S) return undefined;
  const baseCores = quiet.reduce((a, c) => a + c, 0) / quiet.length;
  const tickets = seconds.reduce((a, s) => a + s.tickets, 0);
  const total = cores.reduce((a, c) => a + c, 0);
  const perTicket = tickets > 0 ? Math.max(0, total - baseCores * cores.length) / tickets : 0;
  const predicted = baseCores * cores.length + perTicket * tickets;
  return {
    component,
    baseCores,
    perJoin: 0,
    perWaitingFanMinute: 0,
    perTicket,
    explained: total === 0 ? 1 : Math.max(0, 1 - Math.abs(total - predicted) / total),
  };
}

/**
 * Least squares with every coefficient ≥ 0: each subset of the columns is fitted and the best
 * fit whose coefficients are all non-negative wins (four columns: sixteen small solves).
 */
export function nonNegativeFit(rows: { x: number[]; y: number }[]): number[] {
  const width = rows[0]?.x.length ?? 0;
  let best: { c: number[]; residual: number } | undefined;
  for (let mask = 1; mask < 1 << width; mask++) {
    const columns = [...Array(width).keys()].filter((j) => mask & (1 << j));
    const solved = leastSquares(rows.map((r) => ({ x: columns.map((j) => r.x[j]!), y: r.y })));
    if (!solved || solved.some((c) => c < 0)) continue;
    const c = Array<number>(width).fill(0);
    columns.forEach((j, k) => (c[j] = solved[k]!));
    const residual = rows.reduce((a, r) => a + (r.y - dot(c, r.x)) ** 2, 0);
    if (!best || residual < best.residual) best = { c, residual };
  }
  return best?.c ?? Array<number>(width).fill(0);
}

/** Ordinary least squares by the normal equations; undefined when they are singular. */
function leastSquares(rows: { x: number[]; y: number }[]): number[] | undefined {
  const n = rows[0]?.x.length ?? 0;
  const a = Array.from({ length: n }, () => Array<number>(n + 1).fill(0));
  for (const { x, y } of rows)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i]![j]! += x[i]! * x[j]!;
      a[i]![n]! += x[i]! * y;
    }
  // Gauss–Jordan with partial pivoting.
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

const dot = (c: number[], x: number[]) => c.reduce((a, v, i) => a + v * x[i]!, 0);
