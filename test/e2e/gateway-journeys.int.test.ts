import { SERVICE_NAMES } from '@ticketing/contracts';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, metricValue, uuid } from '@ticketing/testing';
import { Cluster } from '../cluster';
import { newFan } from '../system-setup';
import { expectSagaInvariants } from '../invariants';

/**
 * The README's walkthrough and the races, as a client sees the system: every service runs two
 * instances as separate processes, and every call goes through the gateway (round robin).
 */
describe('through the gateway, two instances of every service', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ instances: 2 });
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('when a fan follows the walkthrough (token, wait, dates, seats, hold, charge, pay), then the seat is theirs, the money is taken and the token is spent', async () => {
    const { concertId, scheduleId, price } = await cluster.bookableSchedule(70_000);
    const { userId, identity } = await newFan();
    const joined = await cluster.call('POST', 'queue', '/queue/tokens', identity, { concertId });
    expect(joined.status).toBe(201);
    const token = joined.body.token as string;
    // The event stream answers through the gateway with the token's state.
    const stream = await fetch(`${cluster.url}/queue/tokens/me/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    let received = '';
    while (!/event: (position|active)/.test(received)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      received += Buffer.from(chunk.value).toString();
    }
    expect(received).toMatch(/event: (position|active)\nid: \S+\ndata: \{.*"tokenId"/);
    await reader.cancel();
    const fan = await cluster.activeFan(concertId); // a second fan, waited for by polling
    expect(fan.token).toBeDefined();
    const me = await cluster.call('GET', 'queue', '/queue/tokens/me', token);
    expect(me.body).toMatchObject({ status: 'ACTIVE', position: 0 });

    const concerts = await cluster.call('GET', 'concert', '/concerts');
    expect(concerts.status).toBe(200);
    const dates = await cluster.call(
      'GET',
      'concert',
      `/concerts/${concertId}/schedules?available=true`,
      token,
    );
    expect(dates.body.items).toEqual([
      expect.objectContaining({ scheduleId, price, totalSeats: 50, availableSeats: 50 }),
    ]);
    const seats = await cluster.call(
      'GET',
      'concert',
      `/concerts/${concertId}/schedules/${scheduleId}/seats?available=true`,
      token,
    );
    expect((seats.body.items as unknown[]).length).toBe(50);

    const hold = await cluster.call('POST', 'reservation', '/reservations', token, {
      scheduleId,
      seatNo: 7,
    });
    expect(hold.status).toBe(201);
    expect(hold.body).toMatchObject({ status: 'HELD', seatNo: 7, price });
    const charge = await cluster.call(
      'POST',
      'wallet',
      `/wallets/${userId}/charges`,
      identity,
      { amount: 100_000 },
      { 'idempotency-key': uuid() },
    );
    expect(charge.body).toMatchObject({ balance: 100_000 });

    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      token,
      { reservationId: hold.body.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: 'COMPLETED', amount: price });
    const paymentId = paid.body.paymentId as string;

    expect((await cluster.call('GET', 'wallet', `/wallets/${userId}`, identity)).body).toEqual({
      userId,
      balance: 30_000,
    });
    const history = await cluster.call(
      'GET',
      'wallet',
      `/wallets/${userId}/transactions`,
      identity,
    );
    expect(history.body.items).toEqual([
      expect.objectContaining({ type: 'DEBIT', amount: price, balanceAfter: 30_000, paymentId }),
      expect.objectContaining({ type: 'CHARGE', amount: 100_000 }),
    ]);
    // The token is expired by the saga: every protected call with it is now refused.
    await expectEventually401(token, `/reservations/${hold.body.reservationId}`);
    const seatsAfter = await cluster.call(
      'GET',
      'concert',
      `/concerts/${concertId}/schedules/${scheduleId}/seats`,
      fan.token,
    );
    expect((seatsAfter.body.items as { seatNo: number; status: string }[])[6]).toMatchObject({
      seatNo: 7,
      status: 'RESERVED',
    });
    // The outcome is counted once, by the instance that ended the saga.
    await eventually(async () => {
      let completed = 0;
      for (const instance of cluster.instances.payment)
        completed += await metricValue(instance.url, 'payments_ended_total', {
          status: 'COMPLETED',
        });
      expect(completed).toBe(1);
    });
    // Identities were verified once on the way: the gateway's seal was taken for the join and
    // the charge (ADR 0019), and no seal the gateway wrote was ever refused.
    for (const service of ['queue', 'wallet'] as const) {
      const outcomes = { accepted: 0, refused: 0 };
      for (const instance of cluster.instances[service])
        for (const outcome of ['accepted', 'refused'] as const)
          outcomes[outcome] += await metricValue(instance.url, 'identity_proofs_total', {
            outcome,
          });
      expect({ service, seals: outcomes.accepted > 0, refused: outcomes.refused }).toEqual({
        service,
        seals: true,
        refused: 0,
      });
    }
    await expectSagaInvariants(cluster);
  });

  it('when 100 fans try to hold the same seat at once, then exactly one gets it', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule();
    const fans = await Promise.all(Array.from({ length: 100 }, () => cluster.activeFan(concertId)));
    const replies = await Promise.all(
      fans.map((fan) =>
        cluster.call('POST', 'reservation', '/reservations', fan.token, { scheduleId, seatNo: 13 }),
      ),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    expect(
      replies.filter((r) => r.status === 409).every((r) => r.body.code === 'SEAT_UNAVAILABLE'),
    ).toBe(true);
    const db = createDb({ url: cluster.databaseUrl('reservation'), applicationName: 'test' });
    const live = await db('reservations')
      .where({ schedule_id: scheduleId, seat_no: 13 })
      .whereIn('status', ['HELD', 'CONFIRMED']);
    await db.destroy();
    expect(live).toHaveLength(1);
  });

  it('when 50 charges of one wallet arrive at once, then the balance is their sum and equals the ledger', async () => {
    const { userId, identity } = await newFan();
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        cluster.call('POST', 'wallet', `/wallets/${userId}/charges`, identity, {
          amount: 1000 + i,
        }),
      ),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const expected = Array.from({ length: 50 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0);
    expect((await cluster.call('GET', 'wallet', `/wallets/${userId}`, identity)).body.balance).toBe(
      expected,
    );
    const db = createDb({ url: cluster.databaseUrl('wallet'), applicationName: 'test' });
    const [{ sum, count }] = await db('ledger')
      .where({ user_id: userId })
      .select(db.raw('sum(amount)::int as sum'), db.raw('count(*)::int as count'));
    await db.destroy();
    expect({ sum, count }).toEqual({ sum: expected, count: 50 });
  });

  it('when a fan cannot afford the seat, then the payment fails, nothing is taken, and after a top-up a retry completes', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule(60_000);
    const fan = await cluster.activeFan(concertId);
    await cluster.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
      amount: 10_000,
    });
    const hold = await cluster.call('POST', 'reservation', '/reservations', fan.token, {
      scheduleId,
      seatNo: 1,
    });
    const pay = () =>
      cluster.call(
        'POST',
        'payment',
        '/payments',
        fan.token,
        { reservationId: hold.body.reservationId },
        { prefer: 'wait=20' },
      );
    const failed = await pay();
    expect(failed.body).toMatchObject({ status: 'FAILED', failureCode: 'INSUFFICIENT_BALANCE' });
    expect(
      (await cluster.call('GET', 'wallet', `/wallets/${fan.userId}`, fan.identity)).body.balance,
    ).toBe(10_000);
    const reservation = await cluster.call(
      'GET',
      'reservation',
      `/reservations/${hold.body.reservationId}`,
      fan.token,
    );
    expect(reservation.body.status).toBe('HELD');
    await cluster.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
      amount: 50_000,
    });
    expect((await pay()).body).toMatchObject({ status: 'COMPLETED', amount: 60_000 });
    await expectSagaInvariants(cluster);
  });

  it('when /health and /docs are asked, then every instance is ready and the API document covers every service', async () => {
    const health = await fetch(`${cluster.url}/health`);
    const body = (await health.json()) as { status: string; services: Record<string, unknown[]> };
    expect(body.status).toBe('ok');
    expect(Object.values(body.services).map((list) => list.length)).toEqual([2, 2, 2, 2, 2]);
    const doc = (await (await fetch(`${cluster.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags: string[] }>>;
    };
    const tags = new Set(
      Object.values(doc.paths).flatMap((methods) => Object.values(methods).flatMap((o) => o.tags)),
    );
    expect([...tags].sort()).toEqual([...SERVICE_NAMES].sort());
  });

  async function expectEventually401(token: string, path: string) {
    await eventually(
      async () => expect((await cluster.call('GET', 'reservation', path, token)).status).toBe(401),
      { timeoutMs: 20_000 },
    );
  }
});
