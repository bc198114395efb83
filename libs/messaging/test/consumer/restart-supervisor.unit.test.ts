import { becomesTrue } from '@ticketing/platform';
import pino from 'pino';
import { RestartSupervisor } from '../../src/consumer/restart-supervisor';

const logger = pino({ level: 'silent' });

async function until(check: () => boolean): Promise<void> {
  if (!(await becomesTrue(check, { timeoutMs: 5000, intervalMs: 2 })))
    throw new Error('condition not met in time');
}

describe('RestartSupervisor', () => {
  it('when a crash happens, then it is down until a restart succeeds, trying again after failures', async () => {
    let attempts = 0;
    const supervisor = new RestartSupervisor({
      logger,
      subject: { groupId: 'g' },
      firstDelayMs: 1,
      restart: async () => {
        if (++attempts < 3) throw new Error('broker away');
      },
    });
    expect(supervisor.downForMs()).toBeUndefined();
    supervisor.crashed(new Error('boom'));
    expect(supervisor.downForMs()).toBeGreaterThanOrEqual(0);
    await until(() => supervisor.downForMs() === undefined);
    expect(attempts).toBe(3);
  });

  it('when crashes repeat before the restart, then one restart runs', async () => {
    let attempts = 0;
    const supervisor = new RestartSupervisor({
      logger,
      subject: {},
      firstDelayMs: 1,
      restart: async () => void attempts++,
    });
    supervisor.crashed(new Error('one'));
    supervisor.crashed(new Error('two'));
    await until(() => supervisor.downForMs() === undefined);
    expect(attempts).toBe(1);
  });

  it('when stopped, then no restart runs after it, and one in progress is waited for', async () => {
    let started = 0;
    let finished = 0;
    let release!: () => void;
    const supervisor = new RestartSupervisor({
      logger,
      subject: {},
      firstDelayMs: 1,
      restart: async () => {
        started++;
        await new Promise<void>((r) => (release = r));
        finished++;
      },
    });
    supervisor.crashed(new Error('boom'));
    await until(() => started === 1);
    const stopped = supervisor.stop();
    release();
    await stopped;
    expect(finished).toBe(1);
    supervisor.crashed(new Error('after the stop'));
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(1);
  });

  it('when backoff grows, then it stops at the ceiling', async () => {
    const delays: number[] = [];
    let last = Date.now();
    let attempts = 0;
    const supervisor = new RestartSupervisor({
      logger,
      subject: {},
      firstDelayMs: 4,
      maxDelayMs: 16,
      restart: async () => {
        delays.push(Date.now() - last);
        last = Date.now();
        if (++attempts < 6) throw new Error('still away');
      },
    });
    supervisor.crashed(new Error('boom'));
    await until(() => supervisor.downForMs() === undefined);
    // 4, 8, 16, 16, 16, 16 ms: never longer than the ceiling plus a timer's lateness.
    expect(delays.slice(3).every((d) => d >= 15)).toBe(true);
    await supervisor.stop();
  });
});
