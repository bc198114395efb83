// @slow 55: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { createDb } from '@ticketing/platform/wiring';
import { eventually } from '@ticketing/testing';
import { expectSagaInvariants } from '../invariants';
import { Cluster } from '../cluster';
import { balanceOf, fanWithHold, pay } from '../paying-fans';

// The payment saga when time runs out: a hold that ended before the payment, and a wallet down
// past a step's deadline or back within it. Each on a system of its own, with short deadlines.

describe('payment saga with short holds', () => {
  let system: Cluster;
  beforeAll(async () => {
    system = await Cluster.start({
      instances: 1,
      overrides: { reservation: { HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: '3600000' } },
    });
  });
  afterAll(() => system.stop());

  it('when the hold has expired, then FAILED RESERVATION_EXPIRED and nothing is debited', async () => {
    const fan = await fanWithHold(system, 80_000);
    await new Promise((r) => setTimeout(r, 1500)); // the hold's time passing is what is under test
    const res = await pay(system, fan);
    expect(res.body).toMatchObject({ status: 'FAILED', failureCode: 'RESERVATION_EXPIRED' });
    expect(await balanceOf(system, fan)).toBe(80_000);
    await expectSagaInvariants(system);
  });
});

describe('payment saga when the wallet service is down', () => {
  let system: Cluster;
  beforeAll(async () => {
    // A step deadline short enough to pass within a test, long enough for a wallet instance to
    // start and join its group on a busy machine: 3 s, then 8 s were missed beside other work (a
    // Node process starting, and a group's first join waiting 3 s for more members).
    system = await Cluster.start({
      instances: 1,
      overrides: { payment: { SAGA_STEP_TIMEOUT_SECONDS: '20', SAGA_SWEEP_INTERVAL_MS: '200' } },
    });
  });
  afterAll(() => system.stop());

  it('when the wallet stops mid-saga and comes back in time, then the saga completes and debits once', async () => {
    const fan = await fanWithHold(system, 80_000);
    await system.stopInstances('wallet');
    const res = await pay(system, fan, 1);
    expect(res.body.status).toBe('PENDING');
    await system.startInstances('wallet');
    // Once COMPLETED the fan's token is expired (401), so the outcome is read where it is kept.
    const paymentDb = createDb({ url: system.databaseUrl('payment'), applicationName: 't' });
    await eventually(
      async () =>
        expect((await paymentDb('payments').where({ id: res.body.paymentId }).first()).status).toBe(
          'COMPLETED',
        ),
      { timeoutMs: 60_000 },
    );
    await paymentDb.destroy();
    expect(await balanceOf(system, fan)).toBe(30_000);
  }, 90_000);

  it('when the wallet stays down past the deadline, then FAILED TIMEOUT; when it returns, no money is kept', async () => {
    const fan = await fanWithHold(system, 80_000, 2);
    await system.stopInstances('wallet');
    const res = await pay(system, fan, 1);
    const paymentId = res.body.paymentId as string;
    // The debit deadline passes: cancel-debit is sent (and waits for the wallet to answer).
    const paymentDb = createDb({ url: system.databaseUrl('payment'), applicationName: 't' });
    await eventually(
      async () =>
        expect((await paymentDb('payments').where({ id: paymentId }).first()).saga_state).toBe(
          'CANCELLING_DEBIT',
        ),
      { timeoutMs: 60_000 },
    );
    await paymentDb.destroy();
    await system.startInstances('wallet');
    await eventually(
      async () =>
        expect(
          (await system.call('GET', 'payment', `/payments/${paymentId}`, fan.token)).body,
        ).toMatchObject({ status: 'FAILED', failureCode: 'TIMEOUT' }),
      { timeoutMs: 60_000 },
    );
    expect(await balanceOf(system, fan)).toBe(80_000);
    expect(
      (await system.call('GET', 'reservation', `/reservations/${fan.reservationId}`, fan.token))
        .body.status,
    ).toBe('HELD');
    await expectSagaInvariants(system);
  }, 120_000);
});
