import path from 'node:path';
import type { RehearsalReport } from './model';
import { cpuSecondsFor, hundredths, type SaleWork } from './plan';
import { costsOf, readReports } from './refit';

/** One component's CPU over some runs: as the plan's costs predict it, and as measured. */
export interface PredictionCheck {
  component: string;
  predictedCpuSeconds: number;
  measuredCpuSeconds: number;
  /** (predicted − measured) ÷ measured, unrounded (the goal is tested on it). */
  error: number;
}

/**
 * How well rehearsals' costs (`from`, e.g. half-size runs, fitted together) predict other runs'
 * CPU (`measured`, e.g. full-size runs of another sale, summed): each component's costs applied
 * to the work each measured run did (its length, fans joined, waiting fan-minutes counted at
 * equal polls, tickets sold).
 */
export function checkPrediction(
  from: RehearsalReport[],
  measured: RehearsalReport[],
): PredictionCheck[] {
  // The measured runs' waiting in the other runs' fan-minutes: equal polls, each side's polls
  // per fan-minute over all its runs (the costs are linear: the same as scaling run by run).
  const fromPolls = measuredPollsPerFanMinute(from);
  const measuredPolls = measuredPollsPerFanMinute(measured);
  const polls = fromPolls && measuredPolls ? measuredPolls / fromPolls : 1;
  const works: SaleWork[] = measured.map(({ meta, summary }) => ({
    seconds: meta.durationS,
    joins: summary.fansJoined,
    waitingFanMinutes: polls * summary.waitingFanMinutes,
    tickets: summary.ticketsSold,
  }));
  return costsOf(...from).flatMap((m) => {
    const cpu = measured.map(
      (r) => r.summary.costs.find((c) => c.component === m.component)?.cpuSeconds ?? 0,
    );
    const measuredCpu = cpu.reduce((a, c) => a + c, 0);
    if (cpu.some((c) => c <= 0)) return [];
    const predicted = works.reduce((a, work) => a + cpuSecondsFor(m, work), 0);
    return [
      {
        component: m.component,
        predictedCpuSeconds: hundredths(predicted),
        measuredCpuSeconds: hundredths(measuredCpu),
        error: (predicted - measuredCpu) / measuredCpu,
      },
    ];
  });
}

/**
 * Polls a waiting fan made per minute over some runs, as measured (undefined: a run without its
 * polls recorded, when the check counts waiting as it stands).
 */
function measuredPollsPerFanMinute(reports: RehearsalReport[]): number | undefined {
  let polls = 0;
  let minutes = 0;
  for (const { summary } of reports) {
    const count = summary.steps.find((s) => s.step === 'poll')?.count;
    if (count === undefined) return undefined;
    polls += count;
    minutes += summary.waitingFanMinutes;
  }
  return polls > 0 && minutes > 0 ? polls / minutes : undefined;
}

/**
 * `--plan --check FULL.json[,FULL2.json] --from HALF.json[,HALF2.json]`: each component's
 * predicted against measured CPU; true when every one is within 20 %.
 */
export function printPredictionCheck(
  fromFiles: string[],
  measuredFiles: string[],
  say: (line: string) => void,
): boolean {
  const checks = checkPrediction(readReports(fromFiles), readReports(measuredFiles, 'check'));
  for (const c of checks)
    say(
      `${c.component.padEnd(16)} predicted ${String(c.predictedCpuSeconds).padStart(8)} s, measured ${String(c.measuredCpuSeconds).padStart(8)} s: ${(c.error * 100).toFixed(1)} %`,
    );
  // No component compared is no evidence: not a pass.
  const within = checks.length > 0 && checks.every((c) => Math.abs(c.error) <= 0.2);
  const names = (files: string[]) => files.map((f) => path.basename(f)).join(', ');
  say(
    `${within ? 'every component within 20 %' : 'NOT every component within 20 %'} (${names(fromFiles)} → ${names(measuredFiles)})`,
  );
  return within;
}
