import { fitCosts, type CostModel, type WorkSecond } from './costs';
import type { RehearsalReport } from './model';

/**
 * A report's costs fitted again from its own timeline (the work and every process's CPU, second
 * by second), with today's cost model: a plan from an older report uses the same rules as one
 * from a new report. A report without those charts keeps the model it was written with.
 */
export function costsOf(report: RehearsalReport): CostModel[] {
  const seconds = workSecondsOf(report);
  return seconds ? fitCosts(seconds) : report.model;
}

function workSecondsOf(report: RehearsalReport): WorkSecond[] | undefined {
  const group = (prefix: string) => report.timeline.groups.find((g) => g.title.startsWith(prefix));
  const fans = group('Fans by state')?.series.waiting;
  const rates = group('Joins, admissions')?.series;
  const cpu = group('CPU of every process')?.series;
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
