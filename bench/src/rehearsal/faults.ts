import { setTimeout as sleep } from 'node:timers/promises';
import { ALL_TOPICS, SERVICE_NAMES } from '@ticketing/contracts';
import { queueKeys } from '@ticketing/queue-pass';
import type { Check, FaultMark } from './model';
import type { Stage } from './stage';

/** A fault of a real day, injected during the rush through the shape's own machinery. */
interface Fault {
  name: string;
  /** Only on the production shape (three brokers, a Postgres pair, a Redis Cluster). */
  needsProduction: boolean;
  inject(stage: Stage, concertId: number): Promise<void>;
}

// How long a killed broker stays down, and how long an instance killed is gone.
const BROKER_DOWN_MS = 20_000;
const INSTANCE_DOWN_MS = 4_000;

const FAULTS: Fault[] = [
  {
    name: 'the broker leading most saga partitions killed, back after 20 s',
    needsProduction: true,
    async inject(stage) {
      const kafka = stage.production!.kafka;
      const led = await kafka.leadership(ALL_TOPICS.map((t) => `${stage.topicPrefix}${t}`));
      const victim = [...led.entries()].sort((a, b) => b[1] - a[1])[0]![0];
      await kafka.kill(victim);
      await sleep(BROKER_DOWN_MS);
      await kafka.startAgain(victim);
    },
  },
  {
    name: 'Postgres switchover (the standby promoted, the old primary a standby)',
    needsProduction: true,
    async inject(stage) {
      await stage.production!.switchover();
    },
  },
  {
    name: "the Redis primary of the concert's line killed (its replica takes over)",
    needsProduction: true,
    async inject(stage, concertId) {
      const redis = stage.production!.redis;
      const port = await redis.primaryOf(`${stage.keyPrefix}${queueKeys(concertId).meta}`);
      await redis.kill(port);
      await redis.waitServing();
      // Back as the replica of the one that took over, with no data (it resyncs).
      await redis.restartEmpty(port);
    },
  },
  {
    name: 'one instance of every service killed (SIGKILL), back after 4 s',
    needsProduction: false,
    async inject(stage) {
      const victims = SERVICE_NAMES.map((s) => stage.system.instances[s][0]!);
      await Promise.all(victims.map((v) => v.kill()));
      await sleep(INSTANCE_DOWN_MS);
      await Promise.all(victims.map((v) => v.restart()));
    },
  },
];

/**
 * The faults of a rehearsal, one after the other from `fromS` (seconds on the recorder's clock),
 * each `gapS` after the last one ended; each marked on the time axis from injection to recovery.
 * On the single shape, only the faults that need no replica run.
 */
export async function injectFaults(
  stage: Stage,
  concertId: number,
  clock: { now(): number },
  schedule: { fromS: number; gapS: number },
  say: (line: string) => void,
): Promise<FaultMark[]> {
  const marks: FaultMark[] = [];
  const chosen = FAULTS.filter((f) => stage.shape === 'production' || !f.needsProduction);
  let nextS = schedule.fromS;
  for (const fault of chosen) {
    const wait = nextS - clock.now();
    if (wait > 0) await sleep(wait * 1000);
    const atS = clock.now();
    say(`fault at ${atS.toFixed(0)} s: ${fault.name}`);
    // A fault that could not be injected or did not recover is the report's to say (a check
    // fails), not the end of the run: the sale and its checks go on.
    const failed = await fault.inject(stage, concertId).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    if (failed) say(`fault failed: ${fault.name}: ${failed}`);
    const endS = clock.now();
    marks.push({ name: fault.name, atS, endS, ...(failed && { failed }) });
    nextS = endS + schedule.gapS;
  }
  return marks;
}

/** Whether every fault was injected and recovered from (none: a run without faults). */
export function faultsCheck(marks: FaultMark[]): Check[] {
  if (marks.length === 0) return [];
  const failed = marks.filter((m) => m.failed);
  return [
    {
      name: 'every fault injected and recovered',
      held: failed.length === 0,
      detail:
        failed.length === 0
          ? `${marks.length} of ${marks.length}`
          : failed.map((m) => `${m.name}: ${m.failed}`).join('; '),
    },
  ];
}

/** How many faults a rehearsal on this shape injects. */
export const faultCount = (shape: Stage['shape']) =>
  FAULTS.filter((f) => shape === 'production' || !f.needsProduction).length;
