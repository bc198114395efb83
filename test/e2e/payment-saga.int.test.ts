// @slow 15: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { createDb } from '@ticketing/platform/wiring';
import { eventually } from '@ticketing/testing';
import { expectSagaInvariants } from '../invariants';
import { Cluster } from '../cluster';
import { balanceOf, fanWithHold, pay } from '../paying-fans';

// A payment from request to end, on a system of one instance each: paid, short of money,
// repeated with its key, malformed. When a hold or a saga step runs out of time:
// payment-saga-timeouts.int.test.ts.

describe('payment saga, end to end', () => {
  let system: Cluster;
  beforeAll(async () => {
    system = await Cluster.start({ instances: 1 });
  });
  afterAll(async () => {
    try {
      await expectSagaInvariants(system); // over every payment this describe made
    } finally {
      await system.stop();
    }
  });

  it('when a fan pays with enough balance, then COMPLETED: money taken, seat CONFIRMED and RESERVED, token expired, history recorded', async () => {
    const fan = await fanWithHold(system, 80_000);
    const res = await pay(system, fan);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      reservationId: fan.reservationId,
      userId: fan.userId,
      amount: 50_000,
      status: 'COMPLETED',
    });
    expect(res.headers.get('location')).toBe(`/payments/${res.body.paymentId}`);
    expect(await balanceOf(system, fan)).toBe(30_000);
    const history = await system.call(
      'GET',
      'wallet',
      `/wallets/${fan.userId}/transactions`,
      fan.identity,
    );
    expect((history.body.items as { type: string; paymentId?: string }[])[0]).toMatchObject({
      type: 'DEBIT',
      paymentId: res.body.paymentId,
    });
    // The token is expired by the saga: protected calls answer 401 from then on.
    await eventually(
      async () =>
        expect(
          (await system.call('GET', 'reservation', `/reservations/${fan.reservationId}`, fan.token))
            .status,
        ).toBe(401),
      { timeoutMs: 30_000 },
    );
    const reservationDb = createDb({
      url: system.databaseUrl('reservation'),
      applicationName: 't',
    });
    expect(
      await reservationDb('reservations').where({ id: fan.reservationId }).first(),
    ).toMatchObject({ status: 'CONFIRMED', payment_id: res.body.paymentId });
    await reservationDb.destroy();
    // The concert view shows the seat RESERVED (to another active fan).
    const viewer = await system.activeFan(fan.concertId);
    await eventually(
      async () => {
        const seats = await system.call(
          'GET',
          'concert',
          `/concerts/${fan.concertId}/schedules/${fan.scheduleId}/seats`,
          viewer.token,
        );
        expect((seats.body.items as { seatNo: number; status: string }[])[0]).toMatchObject({
          seatNo: 1,
          status: 'RESERVED',
        });
      },
      { timeoutMs: 30_000 },
    );
    // The saga's timeline, step by step, with message ids.
    const saga = await system.call(
      'GET',
      'payment',
      `/payments/${res.body.paymentId}/saga`,
      viewer.token,
    );
    expect(saga.status).toBe(403); // someone else's payment
    await eventually(
      async () => {
        const paymentDb = createDb({ url: system.databaseUrl('payment'), applicationName: 't' });
        const steps = (await paymentDb('saga_steps')
          .where({ payment_id: res.body.paymentId })
          .orderBy('id')) as { step: string; status: string }[];
        await paymentDb.destroy();
        expect(steps.map((s) => `${s.step}:${s.status}`)).toEqual([
          'payment.requested:RECEIVED',
          'reservation.confirm:SENT',
          'reservation.confirmed:RECEIVED',
          'wallet.debit:SENT',
          'wallet.debited:RECEIVED',
          'payment.completed:SENT',
          'queue.expire-token:SENT',
          'queue.token-expired:RECEIVED',
        ]);
      },
      { timeoutMs: 30_000 },
    );
  });

  it('when the balance is short, then FAILED INSUFFICIENT_BALANCE, balance unchanged, seat HELD again; after topping up, a retry completes', async () => {
    const fan = await fanWithHold(system, 10_000, 2);
    const failed = await pay(system, fan);
    expect(failed.body).toMatchObject({ status: 'FAILED', failureCode: 'INSUFFICIENT_BALANCE' });
    expect(await balanceOf(system, fan)).toBe(10_000);
    expect(
      (await system.call('GET', 'reservation', `/reservations/${fan.reservationId}`, fan.token))
        .body.status,
    ).toBe('HELD');
    await system.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
      amount: 40_000,
    });
    const retry = await pay(system, fan);
    expect(retry.body).toMatchObject({ status: 'COMPLETED', amount: 50_000 });
    expect(retry.body.paymentId).not.toBe(failed.body.paymentId);
    expect(await balanceOf(system, fan)).toBe(0);
  });

  it('when the same Idempotency-Key is sent again, then the same payment; a second one is refused (in progress, paid, or its pass spent); a paid one too', async () => {
    const fan = await fanWithHold(system, 100_000, 3);
    const key = { 'idempotency-key': `pay-${fan.reservationId}` };
    const first = await pay(system, fan, 0, key);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'PENDING', amount: null });
    const again = await pay(system, fan, 0, key);
    expect(again.body.paymentId).toBe(first.body.paymentId);
    const second = await pay(system, fan, 0);
    // Refused while the first is live or paid (409); or the pass itself, once the first has
    // completed and spent it (a saga takes tens of ms: it may end before this request arrives).
    // A live payment refused for sure: services/payment/test/payment-requests.int.
    expect([
      { status: 409, code: 'PAYMENT_IN_PROGRESS' },
      { status: 409, code: 'RESERVATION_ALREADY_PAID' },
      { status: 401, code: 'TOKEN_INVALID' },
    ]).toContainEqual({ status: second.status, code: second.body.code });
    const firstNow = () =>
      system.call('GET', 'payment', `/payments/${first.body.paymentId}`, fan.identity);
    if (second.status === 401) expect((await firstNow()).body.status).toBe('COMPLETED');
    await eventually(async () => expect((await firstNow()).body.status).toBe('COMPLETED'));
    // The pass is spent by the payment, so the owner joins again for a fresh one: once the queue
    // has spent it (a join before that gets the same pass back, which is then spent).
    await eventually(async () =>
      expect((await system.call('GET', 'queue', '/queue/tokens/me', fan.token)).status).toBe(401),
    );
    const paid = await pay(
      system,
      { ...fan, token: (await system.activeFan(fan.concertId, fan)).token },
      0,
    );
    expect(paid).toMatchObject({ status: 409, body: { code: 'RESERVATION_ALREADY_PAID' } });
    // Anyone else is told only that it is not theirs (API.md: ownership before state).
    const stranger = await pay(
      system,
      { ...fan, token: (await system.activeFan(fan.concertId)).token },
      0,
    );
    expect(stranger).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('when a malformed request comes, then 400 and no payment', async () => {
    const schedule = await system.bookableSchedule();
    const fan = await system.activeFan(schedule.concertId);
    expect(
      (await system.call('POST', 'payment', '/payments', fan.token, { reservationId: 'nope' }))
        .status,
    ).toBe(400);
    expect((await system.call('POST', 'payment', '/payments', fan.token, {})).status).toBe(400);
    expect(
      (await system.call('POST', 'payment', '/payments', undefined, { reservationId: fan.tokenId }))
        .status,
    ).toBe(401);
  });
});
