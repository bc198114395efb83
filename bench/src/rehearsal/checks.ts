import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '@ticketing/infra';
import { readSagaInvariants } from '@ticketing/testing';
import type { FanOutcome } from './fan';
import type { Check } from './model';
import type { Recorder } from './recorder';
import type { Stage } from './stage';

/**
 * What a rehearsal proves about the sale once every fan is done: money and seats agree, the line
 * admitted fans in the order they joined, and no request safe to repeat saw a 5xx.
 */
export async function checkSale(
  stage: Stage,
  concertIds: number[],
  seats: number,
  recorder: Recorder,
  outcomes: FanOutcome[],
  /** The concerts whose every seat was sold: their waiting fans must have been told so. */
  soldOut: number[],
): Promise<{ checks: Check[]; sold: number; completed: number; failed: number }> {
  const found = await readSagaInvariants((store) => stage.databases[store]);
  const sold = found.seatsConfirmed;
  const checks: Check[] = [
    {
      name: 'every payment ended; money ⇔ seat ⇔ COMPLETED',
      held: found.pending.length === 0 && found.mismatched.length === 0,
      detail: `${found.completed} COMPLETED, ${found.failed} FAILED, ${found.pending.length} not ended, ${found.mismatched.length} disagreeing`,
    },
    {
      name: 'seats sold = COMPLETED payments = debits',
      held: sold === found.completed && found.completed === found.debitsApplied,
      detail: `${sold} seats confirmed, ${found.completed} payments COMPLETED, ${found.debitsApplied} debits applied`,
    },
    {
      name: 'no seat sold twice',
      held: found.seatsTwice.length === 0,
      detail: `${found.seatsTwice.length} seat(s) live twice; ${sold} of ${seats} seats sold`,
    },
    {
      name: 'every balance = its ledger, never negative',
      held: found.brokenWallets.length === 0,
      detail: `${found.brokenWallets.length} wallet(s) off`,
    },
    ...concertIds.map((concertId) => fairnessCheck(stage, concertId)),
    {
      name: '0 × 5xx on requests safe to repeat',
      held: recorder.unsafeFailures.length === 0,
      detail:
        recorder.unsafeFailures.length === 0
          ? 'none'
          : recorder.unsafeFailures
              .slice(0, 5)
              .map((f) => `${f.step} ${f.status}${f.cause ? ` (${f.cause})` : ''} at ${f.second} s`)
              .join('; '),
    },
    soldOutCheck(outcomes, soldOut),
  ];
  return { checks, sold, completed: found.completed, failed: found.failed };
}

/** The queue's own audit of the whole sale: every head move in number order (ADR 0015, 0024). */
function fairnessCheck(stage: Stage, concertId: number): Check {
  const audit = spawnSync(
    process.execPath,
    [path.join(ROOT, 'services/queue/dist/src/audit.js'), '--concert', String(concertId)],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        REDIS_URL: stage.redisUrl,
        REDIS_KEY_PREFIX: stage.keyPrefix,
        DATABASE_URL: stage.databases.queue,
      },
      timeout: 120_000,
    },
  );
  const summary = audit.stdout
    .split('\n')
    .filter((l) => /admitted|rebuil|NOT FAIR|fair/i.test(l))
    .slice(0, 3)
    .join(' ');
  return {
    name: `fans admitted in join order (the queue audit of concert ${concertId})`,
    held: audit.status === 0,
    detail: summary || `exit ${audit.status}: ${audit.stderr.slice(0, 300)}`,
  };
}

/** Once a concert's last seat is sold, every fan still waiting for it is told SOLD_OUT. */
export function soldOutCheck(outcomes: FanOutcome[], soldOut: number[]): Check {
  const name = 'fans still waiting at sell-out told SOLD_OUT';
  if (soldOut.length === 0) return { name, held: true, detail: 'not sold out' };
  const theirs = outcomes.filter((o) => soldOut.includes(o.concertId));
  const stillWaiting = theirs.filter((o) => o.state === 'waiting' || o.state === 'gaveUp');
  const why = new Map<string, number>();
  for (const o of stillWaiting) {
    const reason = o.gaveUpOn ?? o.state;
    why.set(reason, (why.get(reason) ?? 0) + 1);
  }
  const reasons = [...why].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${r}`);
  return {
    name,
    held: stillWaiting.length === 0,
    detail: `${theirs.filter((o) => o.state === 'soldOut').length} told SOLD_OUT, ${stillWaiting.length} never told${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`,
  };
}
