// @slow 35: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { expectSagaInvariants } from '../invariants';
import { Cluster } from '../cluster';
import { fanHoldingOn } from '../paying-fans';

describe('200 concurrent payments, two instances of every service', () => {
  let system: Cluster;
  beforeAll(async () => {
    system = await Cluster.start({ instances: 2 });
  });
  afterAll(() => system.stop());

  it('when 200 fans pay for 200 holds at once, then every saga ends and the invariants hold for each', async () => {
    const schedules = [];
    for (let i = 0; i < 4; i++) schedules.push(await system.bookableSchedule(30_000));
    const fans = [];
    for (const [s, schedule] of schedules.entries()) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          // Three in four can pay; every fourth is short of money.
          const balance = (s * 50 + i) % 4 === 3 ? 10_000 : 50_000;
          const fan = await fanHoldingOn(system, schedule, balance, i + 1);
          return { ...fan, short: balance < 30_000 };
        }),
      );
      fans.push(...batch);
    }
    const results = await Promise.all(
      fans.map((fan) =>
        system.call(
          'POST',
          'payment',
          '/payments',
          fan.token,
          { reservationId: fan.reservationId },
          { prefer: 'wait=30' },
        ),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    fans.forEach((fan, i) => {
      expect(results[i]!.body).toMatchObject(
        fan.short
          ? { status: 'FAILED', failureCode: 'INSUFFICIENT_BALANCE' }
          : { status: 'COMPLETED', amount: 30_000 },
      );
    });
    const { completed, failed } = await expectSagaInvariants(system);
    expect({ completed, failed }).toEqual({ completed: 150, failed: 50 });
    // 200 fans admitted, charged and holding, then 200 sagas across ten instances: 12 s on a
    // quiet machine, past a minute beside two other test workers on two cores (CI, 2026-11-25).
  }, 180_000);
});
