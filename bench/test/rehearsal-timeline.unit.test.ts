import { randomUUID } from 'node:crypto';
import type { FanOutcome } from '../src/rehearsal/fan';
import { Recorder } from '../src/rehearsal/recorder';
import type { SystemSample } from '../src/rehearsal/sampler';
import { summarize, workSeconds } from '../src/rehearsal/summary';
import { timelineOf } from '../src/rehearsal/timeline';

/** A reading of the system taken at `atS`, covering the `spanS` seconds before it. */
const sample = (atS: number, spanS: number, cores: number): SystemSample => ({
  atS,
  spanS,
  cpu: { 'queue-1': cores },
  rssMb: {},
  fds: {},
  lag: {},
  outbox: {},
  inbox: {},
  tablesMb: {},
  generator: { cores: 0, loopDelayMs: 0 },
});

/**
 * The sampler ticks about once a second, but a tick that waits on the stores comes late: a
 * report of the production shape had 215 samples over 297 seconds, and its charts (and the cost
 * model fitted on them) put each at its rank, squeezing the rush into the first minute.
 */
describe('a rehearsal timeline', () => {
  it('when a sample comes late, then its figures cover the seconds it spans, at their place in time', () => {
    const recorder = new Recorder();
    recorder.sampleStates(1);
    recorder.move(undefined, 'waiting');
    recorder.sampleStates(4); // three seconds late
    const timeline = timelineOf(recorder, [sample(1, 1, 0.5), sample(4, 3, 2)]);

    const cpu = timeline.groups.find((g) => g.title === 'CPU of every process')!;
    expect(cpu.series['queue-1']).toEqual([0.5, 2, 2, 2]);
    const fans = timeline.groups.find((g) => g.title === 'Fans by state')!;
    expect(fans.series.waiting).toEqual([0, 0, 0, 1]);
  });

  it('when a sample covers several seconds, then the work beside its CPU is those seconds’ average', () => {
    const recorder = new Recorder(Date.now() - 2500); // in the run's third second
    recorder.event('joined', 30);
    const [late] = workSeconds(recorder, [sample(3, 3, 1.5)]);
    expect(late).toMatchObject({ joins: 10, cpu: { 'queue-1': 1.5 } });
  });
});

describe('a rehearsal summary', () => {
  const fan = (o: Partial<FanOutcome>): FanOutcome => ({
    userId: randomUUID(),
    concertId: 1,
    state: 'soldOut',
    waitedS: 0,
    ...o,
  });
  const summaryOf = (outcomes: FanOutcome[]) =>
    summarize({
      recorder: new Recorder(),
      samples: [],
      outcomes,
      checks: [],
      opensAtS: 10,
      sold: 1,
      seats: 1,
      completed: 1,
      failed: 0,
      generatorCpuSeconds: 0,
    }).summary;

  it('when fans arrive after the sell-out, then the time to tell the waiting ones SOLD_OUT counts only those in line at it', () => {
    const summary = summaryOf([
      fan({ state: 'paid', joinedAtS: 11, paidAtS: 40 }),
      fan({ joinedAtS: 12, toldSoldOutAtS: 43.5 }),
      fan({ joinedAtS: 150, toldSoldOutAtS: 150.2 }), // a late arrival, told as it joins
    ]);

    expect(summary.sellOutS).toBe(30);
    expect(summary.lastToldSoldOutS).toBe(3.5);
  });
});
