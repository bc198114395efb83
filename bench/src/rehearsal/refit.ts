import fs from 'node:fs';
import path from 'node:path';
import { fitCosts, type CostModel, type WorkSecond } from './costs';
import type { RehearsalMeta, RehearsalReport } from './model';

/**
 * A report's costs fitted again from its own timeline (the work and every process's CPU, second
 * by second), with today's cost model: a plan from an older report uses the same rules as one
 * from a new report. A report without those charts keeps the model it was written with.
 *
 * Several runs of one sale are fitted over all their seconds together: one run's costs carry
 * that run's noise (on this machine two runs of one sale differ by up to a fifth), their pooled
 * seconds the sale's.
 */
export function costsOf(...reports: RehearsalReport[]): CostModel[] {
  const seconds = reports.map(workSecondsOf);
  if (seconds.every((s) => s !== undefined)) return fitCosts(seconds.flat());
  if (reports.length === 1) return reports[0]!.model;
  const bare = reports.filter((_, i) => seconds[i] === undefined).map((r) => r.meta.startedAt);
  throw new Error(
    `the run of ${bare.join(', ')} has no timeline to fit: plan from it alone, or without it`,
  );
}

/**
 * The reports in `files` (what `--flag` named), read; more than one must be runs of one sale on
 * one machine (`sameSaleOf`).
 */
export function readReports(files: readonly string[], flag = 'from'): RehearsalReport[] {
  if (files.length === 0) throw new Error(`--${flag}: no rehearsal report given`);
  const reports = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as RehearsalReport);
  try {
    sameSaleOf(
      reports,
      files.map((f) => path.basename(f)),
    );
  } catch (err) {
    throw new Error(`--${flag}: ${(err as Error).message}`);
  }
  return reports;
}

/**
 * What makes runs the same sale on the same machine: pooled, their costs are that sale's. (Runs
 * of one sale on other days of this machine differ up to 2×: keep them within an hour.)
 */
const SALE: readonly (keyof RehearsalMeta)[] = [
  'cores',
  'shape',
  'instances',
  'fans',
  'seats',
  'dates',
  'arrival',
  'admitPerSecond',
  'faults',
  'soak',
];

/** The sale every report is a run of; a run of another sale among them is an error naming it. */
export function sameSaleOf(
  reports: RehearsalReport[],
  names = reports.map((r) => r.meta.startedAt),
): RehearsalMeta {
  const first = reports[0]!.meta;
  reports.forEach(({ meta }, i) => {
    const differs = SALE.filter((k) => meta[k] !== first[k]);
    if (differs.length > 0)
      throw new Error(
        `${names[i]} is not a run of the sale ${names[0]} is (${differs.map((k) => `${k}: ${String(meta[k])}, not ${String(first[k])}`).join('; ')}): give runs of one sale together`,
      );
  });
  return first;
}

/** The series of a report's chart whose title starts with `title` (undefined: not recorded). */
export const seriesOf = (report: RehearsalReport, title: string) =>
  report.timeline.groups.find((g) => g.title.startsWith(title))?.series;

function workSecondsOf(report: RehearsalReport): WorkSecond[] | undefined {
  const fans = seriesOf(report, 'Fans by state')?.waiting;
  const rates = seriesOf(report, 'Joins, admissions');
  const cpu = seriesOf(report, 'CPU of every process');
  if (!fans || !rates?.joined || !rates.sold || !cpu) return undefined;
  return report.timeline.t.map((_, i) => ({
    joins: rates.joined![i] ?? 0,
    waitingFanMinutes: (fans[i] ?? 0) / 60,
    tickets: rates.sold![i] ?? 0,
    cpu: Object.fromEntries(
      Object.entries(cpu).flatMap(([name, values]) => {
        const cores = values[i];
        return cores === null || cores === undefined ? [] : [[name, cores]];
      }),
    ),
  }));
}
