import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, exitOnError, foreignNodeProblem } from '@ticketing/infra';
import { Crowd } from './crowd';
import type { SaleView } from './fan';
import { faultCount, injectFaults } from './faults';
import { FanClient } from './client';
import { USAGE, datesFor, parseRehearsalFlags, type RehearsalOptions } from './flags';
import type { FaultMark, RehearsalReport } from './model';
import { publishOnSale } from './on-sale';
import { printPlan } from './plan';
import { Recorder } from './recorder';
import { writeReport } from './report-files';
import { SystemSampler } from './sampler';
import { startStage } from './stage';
import { checkSale } from './checks';
import { summarize } from './summary';
import { timelineOf } from './timeline';

const say = (line: string) => process.stdout.write(`[rehearse] ${line}\n`);

/**
 * `npm run rehearse`: a whole on-sale, end to end, on the production shape: the system started
 * through the one launcher, an on-sale published, a crowd of fans arriving around the opening as
 * real clients behave, faults injected in the rush on request; then the invariants and the
 * fairness audit, and the report (HTML with charts, and JSON) a platform team sizes from.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--help')) return void process.stdout.write(`${USAGE}\n`);
  const foreign = foreignNodeProblem('rehearse');
  if (foreign) exitOnError('rehearse', new Error(foreign));
  let options: RehearsalOptions;
  try {
    options = parseRehearsalFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`[rehearse] ${(err as Error).message}\n${USAGE}\n`);
    process.exit(78);
  }
  if (options.plan) return printPlan(options.plan, say);
  const report = await rehearse(options);
  const files = writeReport(report, options.outDir);
  say(`report: ${files.html}\n           data: ${files.json}`);
  const failed = report.summary.checks.filter((c) => !c.held);
  for (const c of report.summary.checks) say(`${c.held ? '✔' : '✘'} ${c.name}: ${c.detail}`);
  if (failed.length > 0) process.exitCode = 1;
}

/** Runs one rehearsal and returns its report. */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const began = Date.now();
  const stage = await startStage({
    shape: options.shape,
    instances: options.instances,
    env: {
      QUEUE_ADMIT_PER_SECOND: String(options.admitPerSecond),
      QUEUE_MAX_ACTIVE: String(options.maxActive),
    },
    say,
  });
  const client: FanClient[] = [];
  try {
    const over = { value: false };
    const allSold = { value: false };
    let recorder = new Recorder();
    const sale: SaleView = {
      client: undefined!,
      recorder,
      concertId: 0,
      price: options.price,
      over,
      allSold,
    };
    say(`signing ${options.crowd.fans.toLocaleString('en')} fans' identities`);
    const crowd = await Crowd.prepare(sale, options.crowd, stage.identityProvider);
    // The clock starts with the first arrival; sales open `opensAtS` later.
    const startAt = Date.now() + 15_000;
    const onSale = await publishOnSale(stage, {
      seats: options.seats,
      price: options.price,
      opensAtMs: startAt + options.crowd.opensAtS * 1000,
    });
    say(
      `on sale: concert ${onSale.concertId}, ${options.seats} seats over ${onSale.schedules.length} dates, opening ${options.crowd.opensAtS} s after the first fan`,
    );
    await sleep(Math.max(0, startAt - Date.now()));
    recorder = new Recorder(startAt);
    const fans = new FanClient(stage.gatewayUrl, recorder);
    client.push(fans);
    Object.assign(sale, { client: fans, recorder, concertId: onSale.concertId });
    const sampler = await new SystemSampler(stage, recorder).start();
    const generatorBefore = process.cpuUsage();
    let faults: FaultMark[] = [];
    const faulting = options.faults
      ? injectFaults(
          stage,
          onSale.concertId,
          recorder,
          { fromS: options.crowd.opensAtS + 5, gapS: 10 },
          say,
        ).then((marks) => (faults = marks))
      : Promise.resolve();
    const deadline = setTimeout(() => {
      say(`${options.maxSeconds} s: the sale ends for the load generator`);
      over.value = true;
    }, options.maxSeconds * 1000);
    const progress = setInterval(() => say(progressLine(recorder, crowd.arrived)), 10_000);
    // Every seat paid for: fans still waiting stop once the queue tells them SOLD_OUT.
    const soldOut = setInterval(() => {
      if (recorder.counts().paid >= options.seats) allSold.value = true;
    }, 250);
    try {
      await crowd.arrive();
      await crowd.finished();
      await faulting;
    } finally {
      clearTimeout(deadline);
      clearInterval(progress);
      clearInterval(soldOut);
      over.value = true;
      await sampler.stop();
    }
    const generator = process.cpuUsage(generatorBefore);
    say('every fan is done: checking money, seats and the line');
    const result = await checkSale(
      stage,
      onSale.concertId,
      options.seats,
      recorder,
      crowd.outcomes,
    );
    const { summary, model } = summarize({
      recorder,
      samples: sampler.samples,
      outcomes: crowd.outcomes,
      checks: result.checks,
      opensAtS: options.crowd.opensAtS,
      sold: result.sold,
      seats: options.seats,
      completed: result.completed,
      failed: result.failed,
      generatorCpuSeconds: (generator.user + generator.system) / 1e6,
    });
    return {
      version: 1,
      meta: {
        startedAt: new Date(startAt).toISOString(),
        shape: options.shape,
        instances: options.instances,
        fans: options.crowd.fans,
        seats: options.seats,
        dates: datesFor(options.seats),
        arrival: `${Math.round(options.crowd.rushShare * 100)}% from ${options.crowd.rushBeforeS} s before the opening to ${options.crowd.rushAfterS} s after, the rest over ${options.crowd.tailS} s`,
        admitPerSecond: options.admitPerSecond,
        opensAtS: options.crowd.opensAtS,
        faults: options.faults && faultCount(options.shape) > 0,
        soak: false,
        node: process.version,
        commit: commitOf(),
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        durationS: Math.round(recorder.now()),
      },
      timeline: timelineOf(recorder, sampler.samples),
      faults,
      summary,
      model,
    };
  } finally {
    for (const c of client) c.close();
    say('stopping the system and the infrastructure');
    await stage.stop();
    say(`the rehearsal took ${((Date.now() - began) / 60_000).toFixed(1)} minutes in all`);
  }
}

function progressLine(recorder: Recorder, arrived: number): string {
  const c = recorder.counts();
  return `${recorder.now().toFixed(0)} s: ${arrived} arrived, ${c.waiting} waiting, ${c.admitted + c.holding + c.paying} buying, ${c.paid} paid, ${c.soldOut} told sold out, ${c.left + c.gaveUp} gone`;
}

function commitOf(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`[rehearse] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
