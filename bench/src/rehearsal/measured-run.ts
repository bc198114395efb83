import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { ROOT } from '@ticketing/infra';
import { checkSale } from './checks';
import { FanClient } from './client';
import type { FanOutcome } from './fan';
import { datesFor, type RehearsalOptions } from './flags';
import { faultsCheck } from './faults';
import type { FaultMark, RehearsalReport } from './model';
import type { OnSale } from './on-sale';
import { Recorder } from './recorder';
import { SystemSampler } from './sampler';
import { soakFindings } from './soak';
import type { Stage } from './stage';
import { summarize } from './summary';
import { timelineOf } from './timeline';
import type { WarmUpCounts } from './warm-up';

/** What a sale (an on-sale or a soak) hands to its measurement once every fan is done. */
export interface SaleResult {
  outcomes: FanOutcome[];
  concerts: OnSale[];
  soldOut: number[];
  faults: FaultMark[];
  /** Seats that should be sold by the end (every seat of the concerts that sold out). */
  seats: number;
  /** What the warm-up left in the stores before the measured sale (they count it too). */
  warmedUp?: WarmUpCounts;
}

/**
 * The measured part of a run: the fans' client and recorder from `startAt`, the sampler beside
 * them, then the checks and the report.
 */
export async function measured(
  stage: Stage,
  options: RehearsalOptions,
  startAt: number,
  say: (line: string) => void,
  run: (frame: { client: FanClient; recorder: Recorder }) => Promise<SaleResult>,
): Promise<RehearsalReport> {
  const recorder = new Recorder(startAt);
  const client = new FanClient(stage.gatewayUrls, recorder);
  const sampler = await new SystemSampler(stage, recorder).start();
  const generatorBefore = process.cpuUsage();
  let result: SaleResult;
  try {
    result = await run({ client, recorder });
  } finally {
    await sampler.stop();
    client.close();
  }
  const generator = process.cpuUsage(generatorBefore);
  say('every fan is done: checking money, seats and the line');
  const checked = await checkSale(
    stage,
    result.concerts.map((c) => c.concertId),
    result.seats + (result.warmedUp?.sold ?? 0),
    recorder,
    result.outcomes,
    result.soldOut,
  );
  const timeline = timelineOf(recorder, sampler.samples);
  const soaked =
    options.soakSeconds === undefined ? undefined : soakFindings(timeline.t, timeline.groups);
  const { summary, model } = summarize({
    recorder,
    samples: sampler.samples,
    outcomes: result.outcomes,
    checks: [...checked.checks, ...faultsCheck(result.faults), ...(soaked?.checks ?? [])],
    opensAtS: options.soakSeconds === undefined ? options.crowd.opensAtS : 0,
    sold: checked.sold - (result.warmedUp?.sold ?? 0),
    seats: result.seats,
    completed: checked.completed - (result.warmedUp?.completed ?? 0),
    failed: checked.failed - (result.warmedUp?.failed ?? 0),
    generatorCpuSeconds: (generator.user + generator.system) / 1e6,
  });
  return {
    version: 1,
    meta: {
      startedAt: new Date(startAt).toISOString(),
      shape: options.shape,
      instances: options.instances,
      fans: result.outcomes.length,
      seats: result.seats,
      dates: datesFor(result.seats),
      arrival:
        options.soakSeconds === undefined
          ? `${Math.round(options.crowd.rushShare * 100)}% from ${options.crowd.rushBeforeS} s before the opening to ${options.crowd.rushAfterS} s after, the rest over ${options.crowd.tailS} s`
          : `${options.soakFansPerSecond} fans a second for ${options.soakSeconds} s, a concert of ${Math.min(options.seats, 250)} seats at a time`,
      admitPerSecond: options.admitPerSecond,
      opensAtS: options.soakSeconds === undefined ? options.crowd.opensAtS : 0,
      faults: result.faults.length > 0,
      soak: options.soakSeconds !== undefined,
      node: process.version,
      commit: commitOf(),
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      durationS: Math.round(recorder.now()),
    },
    timeline,
    faults: result.faults,
    summary: { ...summary, ...(soaked && { slopes: soaked.slopes }) },
    model,
  };
}

function commitOf(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
