import { setTimeout as sleep } from 'node:timers/promises';
import { exitOnError, foreignNodeProblem } from '@ticketing/infra';
import { Crowd } from './crowd';
import type { SaleView } from './sale-view';
import { injectFaults } from './faults';
import { USAGE, datesFor, parseRehearsalFlags, type RehearsalOptions } from './flags';
import type { FaultMark, RehearsalReport } from './model';
import { measured } from './measured-run';
import { publishOnSale } from './on-sale';
import { printPlan } from './plan';
import { printPredictionCheck } from './plan-check';
import { Recorder } from './recorder';
import { runFileBase, writeReport } from './report-files';
import { watchSeatsSold } from './seats-sold';
import { runSoak, SOAK_NODE_ARGS, SOAK_RETENTION, soakCacheSettings } from './soak';
import { startStage, type Stage } from './stage';
import { warmUp } from './warm-up';

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
  if (options.checkPrediction) {
    const { from, measured } = options.checkPrediction;
    if (!printPredictionCheck(from, measured, say)) process.exitCode = 1;
    return;
  }
  if (options.plan) return printPlan(options.plan, say);
  const report = await rehearse(options);
  const files = writeReport(report, options.outDir);
  say(`report: ${files.html}\n           data: ${files.json}`);
  const failed = report.summary.checks.filter((c) => !c.held);
  for (const c of report.summary.checks) say(`${c.held ? '✔' : '✘'} ${c.name}: ${c.detail}`);
  if (failed.length > 0) process.exitCode = 1;
}

/** Runs one rehearsal (an on-sale, or a soak) and returns its report. */
export async function rehearse(options: RehearsalOptions): Promise<RehearsalReport> {
  const began = Date.now();
  const logFile = `${runFileBase(new Date(began).toISOString(), options.outDir)}.log`;
  say(`the services' logs: ${logFile}`);
  // Ctrl-C (or a SIGTERM) takes down what the run started: the production shape's brokers,
  // Postgres pair and Redis nodes are processes of their own that would outlive this one.
  const interrupt = new AbortController();
  const started: { stage?: Stage } = {};
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping the system and the infrastructure`);
    interrupt.abort();
    if (started.stage) void started.stage.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const stage = await startStage({
    signal: interrupt.signal,
    logFile,
    shape: options.shape,
    instances: options.instances,
    env: {
      QUEUE_ADMIT_PER_SECOND: String(options.admitPerSecond),
      QUEUE_MAX_ACTIVE: String(options.maxActive),
      ...(options.soakSeconds !== undefined && {
        INBOX_RETENTION_MINUTES: String(SOAK_RETENTION.minutes),
        SAGA_TIMELINE_RETENTION_MINUTES: String(SOAK_RETENTION.minutes),
        RETENTION_INTERVAL_MS: String(SOAK_RETENTION.intervalMs),
        // An admitted fan's pass, which a closed line outlives before it is retired, in minutes too.
        QUEUE_ACTIVE_TTL_SECONDS: String(SOAK_RETENTION.minutes * 60),
        ...soakCacheSettings(options.soakFansPerSecond),
      }),
    },
    ...(options.soakSeconds !== undefined && { nodeArgs: SOAK_NODE_ARGS }),
    say,
  });
  started.stage = stage;
  try {
    return options.soakSeconds === undefined
      ? await onSale(stage, options)
      : await soak(stage, options, options.soakSeconds);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    say('stopping the system and the infrastructure');
    await stage.stop();
    say(`the rehearsal took ${((Date.now() - began) / 60_000).toFixed(1)} minutes in all`);
  }
}

/** One on-sale: the crowd arrives around the opening; faults in the rush on request. */
async function onSale(stage: Stage, options: RehearsalOptions): Promise<RehearsalReport> {
  const over = { value: false };
  const allSold = { value: false };
  const sale: SaleView = {
    client: undefined!,
    recorder: new Recorder(),
    concertId: 0,
    price: options.price,
    over,
    allSold,
  };
  const warmedUp = await warmUp(stage, options.warmUpSeconds, options.price, say);
  say(`signing ${options.crowd.fans.toLocaleString('en')} fans' identities`);
  const crowd = await Crowd.prepare(sale, options.crowd, stage.identityProvider);
  // The clock starts with the first arrival; sales open `opensAtS` later. Publishing takes the
  // operator's write budget at the gateway (2 a second after a burst of 20): a date each half
  // second, and 15 s for the rest.
  const startAt = Date.now() + 15_000 + datesFor(options.seats) * 500;
  const published = await publishOnSale(stage, {
    seats: options.seats,
    price: options.price,
    opensAtMs: startAt + options.crowd.opensAtS * 1000,
  });
  say(
    `on sale: concert ${published.concertId}, ${options.seats} seats over ${published.schedules.length} dates, opening ${options.crowd.opensAtS} s after the first fan`,
  );
  await sleep(Math.max(0, startAt - Date.now()));
  return measured(stage, options, startAt, say, async (run) => {
    Object.assign(sale, {
      client: run.client,
      recorder: run.recorder,
      concertId: published.concertId,
    });
    let faults: FaultMark[] = [];
    const faulting = options.faults
      ? injectFaults(
          stage,
          published.concertId,
          run.recorder,
          { fromS: options.crowd.opensAtS + 5, gapS: 10 },
          say,
        ).then((marks) => (faults = marks))
      : Promise.resolve();
    const deadline = setTimeout(() => {
      say(`${options.maxSeconds} s: the sale ends for the load generator`);
      over.value = true;
    }, options.maxSeconds * 1000);
    const progress = setInterval(() => say(progressLine(run.recorder, crowd.arrived)), 10_000);
    // Every seat paid for: fans still waiting stop once the queue tells them SOLD_OUT.
    const watchingSales = watchSeatsSold(
      stage,
      { schedules: published.schedules, seats: options.seats },
      () => (allSold.value = true),
    );
    try {
      await crowd.arrive();
      await crowd.finished();
      await faulting;
    } finally {
      clearTimeout(deadline);
      clearInterval(progress);
      await watchingSales.stop();
      over.value = true;
    }
    const soldOut = allSold.value ? [published.concertId] : [];
    return {
      outcomes: crowd.outcomes,
      concerts: [published],
      soldOut,
      faults,
      seats: options.seats,
      warmedUp,
    };
  });
}

/** A steady sale for `seconds`: memory, tables and lag over time (see soak.ts). */
async function soak(
  stage: Stage,
  options: RehearsalOptions,
  seconds: number,
): Promise<RehearsalReport> {
  const seatsPerConcert = Math.min(options.seats, 250);
  return measured(stage, options, Date.now(), say, async (run) => {
    const progress = setInterval(() => say(progressLine(run.recorder, 0)), 60_000);
    try {
      const result = await runSoak(
        stage,
        run.client,
        run.recorder,
        {
          seconds,
          fansPerSecond: options.soakFansPerSecond,
          seatsPerConcert,
          price: options.price,
          listenShare: options.crowd.listenShare,
          shortShare: options.crowd.shortShare,
          seed: options.crowd.seed,
        },
        say,
      );
      return { ...result, faults: [], seats: result.soldOut.length * seatsPerConcert };
    } finally {
      clearInterval(progress);
    }
  });
}

function progressLine(recorder: Recorder, arrived: number): string {
  const c = recorder.counts();
  return `${recorder.now().toFixed(0)} s: ${arrived} arrived, ${c.waiting} waiting, ${c.admitted + c.holding + c.paying} buying, ${c.paid} paid, ${c.soldOut} told sold out, ${c.left + c.gaveUp} gone`;
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`[rehearse] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
