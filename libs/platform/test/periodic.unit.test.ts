import { eventually } from '@ticketing/testing';
import pino from 'pino';
import { PeriodicTask } from '../src/periodic';

const logger = pino({ level: 'silent' });

describe('PeriodicTask: every loop of a service', () => {
  it('when a round outlasts the interval, then no second round runs beside it, and stop waits for it', async () => {
    let running = 0;
    let most = 0;
    let rounds = 0;
    let release!: () => void;
    const task = new PeriodicTask(
      'slow',
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => (release = r));
        running--;
        rounds++;
      },
      logger,
    ).start(1);
    await eventually(() => expect(running).toBe(1));
    // Rounds fall due meanwhile; none joins the one still running.
    await new Promise((r) => setTimeout(r, 20));
    const stopped = task.stop();
    release();
    await stopped;
    expect({ most, rounds, running, started: task.started }).toEqual({
      most: 1,
      rounds: 1,
      running: 0,
      started: false,
    });
  });

  it('when a round fails, then it is logged and the next round runs', async () => {
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    let rounds = 0;
    const task = new PeriodicTask(
      'flaky',
      async () => {
        if (++rounds === 1) throw new Error('first round fails');
      },
      log,
    ).start(1);
    await eventually(() => expect(rounds).toBeGreaterThanOrEqual(3));
    await task.stop();
    expect(JSON.parse(warnings[0]!)).toMatchObject({ task: 'flaky', msg: 'flaky failed' });
  });

  it('when stopped and started again, then it runs again', async () => {
    let rounds = 0;
    const task = new PeriodicTask('again', async () => void rounds++, logger).start(1);
    await eventually(() => expect(rounds).toBeGreaterThanOrEqual(1));
    await task.stop();
    const before = rounds;
    task.start(1);
    await eventually(() => expect(rounds).toBeGreaterThan(before));
    await task.stop();
  });
});
