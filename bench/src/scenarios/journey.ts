import { randomInt, randomUUID } from 'node:crypto';
import { providerTokens } from '@ticketing/testing';
import type { BenchContext } from '../context';
import { cpuSecondsBetween, cpuSnapshot, type CpuSnapshot } from '../cpu';
import type { Row } from '../report';
import { sagaInvariantsHold, sagaOutcome } from '../saga-checks';
import { benchSchedules, startSystem } from '../system';
import { JOURNEY_STEPS, fanJourney, type JourneyTimes } from './journey-steps';

/** Issue 53's goals for a crowd of 50, after admission. */
const CPU_TARGET_MS = 30;
const RATE_TARGET = 50;
const P50_TARGET_MS = 800;
const P99_TARGET_MS = 1500;

/**
 * The fan's whole purchase, as a crowd does it on the day: BENCH_JOURNEY_FANS fans (50) arrive
 * together and each, through the gateway with its own identity from the run's OpenID provider,
 * joins the queue, polls it as Retry-After says until admitted, lists the dates and the seats,
 * holds a seat (another one if someone was faster), charges its wallet, pays (Prefer: wait) and
 * reads the payment back. Reported: journeys per second after the first admission (the part the
 * system, not the queue's pace, decides), each journey's time from admission to the payment read
 * back, and the CPU every process used per journey. A warm-up crowd goes first, unmeasured.
 *
 * The issue sets its goals for the crowd after admission, so the CPU the goal is read on runs from
 * the first fan's admission to the last payment read back; the whole crowd's (its joins, its
 * polls and the machine's idle seconds while it waits in line) is given beside it.
 */
export async function journeyScenario(ctx: BenchContext): Promise<Row[]> {
  const fans = ctx.smoke ? 4 : Number(process.env.BENCH_JOURNEY_FANS ?? 50);
  if (!Number.isInteger(fans) || fans < 1)
    throw new Error(`BENCH_JOURNEY_FANS: a whole number of fans, at least 1 (got ${fans})`);
  const warmUp = ctx.smoke ? 0 : Number(process.env.BENCH_JOURNEY_WARMUP ?? fans);
  // Admission once a second (the service's default tick) and everyone at once, as on the day
  // the doors open: what follows the first admission is the system's own pace.
  const system = await startSystem(ctx, {
    gateway: true,
    extraEnv: { QUEUE_TICK_MS: '1000', GATEWAY_RATE_LIMIT: 'false' },
  });
  try {
    // Seats for twice the crowd: fans still meet each other on a seat, as they do on the day.
    const dates = Math.max(1, Math.ceil((2 * (fans + warmUp)) / 50));
    const { concertId } = await benchSchedules(ctx, system, dates);
    const gateway = system.gateway!.urls[0]!;
    const crowd = async (size: number, onAdmitted?: () => void) => {
      const userIds = Array.from({ length: size }, () => randomUUID());
      const identities = await providerTokens(userIds, ctx.identityProvider);
      return Promise.all(
        userIds.map((userId, i) =>
          fanJourney(gateway, {
            userId,
            identity: identities[i]!,
            concertId,
            pick: randomInt,
            onAdmitted,
          }),
        ),
      );
    };
    if (warmUp > 0) await crowd(warmUp);
    const groups = system.cpuGroups();
    let atAdmission: CpuSnapshot | undefined;
    const before = cpuSnapshot(groups);
    const journeys = await crowd(fans, () => (atAdmission ??= cpuSnapshot(groups)));
    const after = cpuSnapshot(groups);
    // Every fan was admitted (a journey ends only after it); a crowd of none has no figure.
    if (!atAdmission) throw new Error('journey: no fan was admitted, no CPU to read');
    const cpu = {
      afterAdmission: cpuSecondsBetween(atAdmission, after),
      wholeCrowd: cpuSecondsBetween(before, after),
    };
    const outcome = await sagaOutcome({
      payment: system.databases.payment!,
      wallet: system.databases.wallet!,
      reservation: system.databases.reservation!,
    });
    return journeyRows(fans, journeys, cpu, outcome);
  } finally {
    await system.stop();
  }
}

function journeyRows(
  fans: number,
  journeys: JourneyTimes[],
  cpu: { afterAdmission: Record<string, number>; wholeCrowd: Record<string, number> },
  outcome: Awaited<ReturnType<typeof sagaOutcome>>,
): Row[] {
  const paid = journeys.filter((j) => j.paid);
  const firstAdmission = Math.min(...journeys.map((j) => j.admittedAt));
  const lastEnd = Math.max(...journeys.map((j) => j.endedAt));
  const perSecond = paid.length / Math.max(0.001, (lastEnd - firstAdmission) / 1000);
  const perJourney = (seconds: Record<string, number>) =>
    (1000 * Object.values(seconds).reduce((a, b) => a + b, 0)) / fans;
  const cpuPerJourney = perJourney(cpu.afterAdmission);
  const byProcess = Object.entries(cpu.afterAdmission)
    .filter(([, s]) => s > 0)
    .map(([name, s]) => `${name} ${((1000 * s) / fans).toFixed(1)}`)
    .join(', ');
  const quantile = (values: number[], q: number) =>
    [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
  const afterAdmission = paid.map((j) => j.endedAt - j.admittedAt);
  const requests = journeys.reduce((a, j) => a + j.requests, 0) / fans;
  const retries = journeys.reduce((a, j) => a + j.seatsTaken, 0);
  const p50 = quantile(afterAdmission, 0.5)!;
  const p99 = quantile(afterAdmission, 0.99)!;
  const perStep = JOURNEY_STEPS.map((step) => {
    const times = journeys.map((j) => j.steps[step]);
    return `${step} ${quantile(times, 0.5)!.toFixed(0)}/${quantile(times, 0.99)!.toFixed(0)}`;
  }).join(', ');
  return [
    {
      scenario: `journey: ${fans} fans arriving together, join → paid → read back, through the gateway`,
      value: `${perSecond.toFixed(1)} journeys/s after the first admission; admission → read back p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms; ${cpuPerJourney.toFixed(1)} ms CPU per journey after the first admission (${perJourney(cpu.wholeCrowd).toFixed(1)} over the whole crowd, its wait in line included)`,
      target: `≥ ${RATE_TARGET} journeys/s; p50 ≤ ${P50_TARGET_MS} ms, p99 ≤ ${P99_TARGET_MS} ms; ≤ ${CPU_TARGET_MS} ms CPU per journey after the first admission`,
      met:
        paid.length === fans &&
        perSecond >= RATE_TARGET &&
        p50 <= P50_TARGET_MS &&
        p99 <= P99_TARGET_MS &&
        cpuPerJourney <= CPU_TARGET_MS,
      notes: `${paid.length} of ${fans} paid; each step after admission, p50/p99 ms: ${perStep} (the queue: ${quantile(
        journeys.map((j) => j.steps.queue),
        0.5,
      )!.toFixed(
        0,
      )} ms p50 to admission); CPU ms per journey after the first admission ${cpuPerJourney.toFixed(1)}: ${byProcess} (the load generator's own CPU is not counted); ${requests.toFixed(1)} requests per journey, ${retries} holds lost to a faster fan`,
    },
    {
      scenario: 'journey: invariants over every payment of the run',
      value: `${sagaInvariantsHold(outcome) ? 'hold' : 'BROKEN'} over ${outcome.payments} payments`,
      target: 'every saga ended; money ⇔ seat ⇔ COMPLETED; balance = ledger ≥ 0',
      met: sagaInvariantsHold(outcome),
      notes: `${outcome.completed} COMPLETED, ${outcome.failed} FAILED, ${outcome.unended} not ended`,
    },
  ];
}
