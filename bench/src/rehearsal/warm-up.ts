import { readSagaInvariants } from '@ticketing/testing';
import { FanClient } from './client';
import { Recorder } from './recorder';
import { runSoak } from './soak';
import type { Stage } from './stage';

/** What the stores hold once the warm-up is over. */
export interface WarmUpCounts {
  sold: number;
  completed: number;
  failed: number;
}

// The warm-up's own sale: small concerts, few fans a second, nothing of it in the report.
const FANS_PER_SECOND = 20;
const SEATS_PER_CONCERT = 100;

/**
 * A small steady sale on concerts of its own before the measured one (the soak's machinery, its
 * own client and recorder, thrown away): a broker compiles its produce, fetch and replication
 * paths during the first payments it carries (more than a core for half a minute on this
 * machine), the services theirs. A platform's cluster that has run for days has done so long
 * before its on-sale. Returns what the stores count after it (seats sold, payments completed
 * and failed), which the measured sale's figures leave out.
 */
export async function warmUp(
  stage: Stage,
  seconds: number,
  price: number,
  say: (line: string) => void,
): Promise<WarmUpCounts> {
  if (seconds <= 0) return { sold: 0, completed: 0, failed: 0 };
  say(`warming up: a small sale of ${seconds} s on concerts of its own, not recorded`);
  const recorder = new Recorder();
  const client = new FanClient(stage.gatewayUrls, recorder);
  try {
    await runSoak(
      stage,
      client,
      recorder,
      {
        seconds,
        fansPerSecond: FANS_PER_SECOND,
        seatsPerConcert: SEATS_PER_CONCERT,
        price,
        listenShare: 0.05,
        shortShare: 0.05,
        seed: 0,
      },
      () => undefined,
    );
    const found = await readSagaInvariants((store) => stage.databases[store]);
    return { sold: found.seatsConfirmed, completed: found.completed, failed: found.failed };
  } finally {
    client.close();
  }
}
