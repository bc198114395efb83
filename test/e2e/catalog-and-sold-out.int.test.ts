// @slow 45: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { eventually, identityToken, uuid } from '@ticketing/testing';
import { Cluster } from '../cluster';
import { expectSagaInvariants } from '../invariants';
import { newFan, type Fan } from '../system-setup';

const DAY = 86_400_000;
const SEATS = 50;
const FANS = 200;
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

type Status = 'WAITING' | 'SOLD_OUT' | 'ACTIVE' | 'GONE';
interface InLine extends Fan {
  token: string;
  joinedAt: number;
}

/**
 * Operators publish concerts and dates through the gateway; the queue follows what is left of
 * them. Two instances of every service, every call through the gateway.
 */
describe('catalog administration and the sold-out aware queue, through the gateway', () => {
  let cluster: Cluster;
  let admin: string;

  beforeAll(async () => {
    cluster = await Cluster.start({
      env: {
        // Fifty fans inside at a time: the rest of the crowd waits in line.
        QUEUE_MAX_ACTIVE: String(SEATS),
        SAGA_STEP_TIMEOUT_SECONDS: '3',
        SAGA_SWEEP_INTERVAL_MS: '200',
      },
    });
    admin = await identityToken(uuid(), { admin: true });
  }, 120_000);
  afterAll(() => cluster?.stop());

  const call = (method: string, path: string, token?: string, body?: unknown, h = {}) =>
    cluster.call(method, 'concert', path, token, body, h);

  async function publish(dates: { seats: number; salesInMs?: number; daysAhead?: number }[]) {
    const concert = await call('POST', '/concerts', admin, {
      title: `Show ${uuid()}`,
      artist: 'Band',
      venue: 'Arena',
    });
    expect(concert.status).toBe(201);
    const concertId = concert.body.concertId as number;
    const scheduleIds: number[] = [];
    for (const [i, d] of dates.entries()) {
      const date = await call('POST', `/concerts/${concertId}/schedules`, admin, {
        startsAt: inMs((d.daysAhead ?? 30 + i) * DAY),
        price: 10_000,
        seats: d.seats,
        ...(d.salesInMs !== undefined && { salesOpenAt: inMs(d.salesInMs) }),
      });
      expect(date.status).toBe(201);
      scheduleIds.push(date.body.scheduleId as number);
    }
    return { concertId, scheduleIds };
  }

  async function join(concertId: number, fan?: Fan): Promise<InLine> {
    const who = fan ?? (await newFan());
    const joined = await eventually(
      async () => {
        const res = await cluster.call('POST', 'queue', '/queue/tokens', who.identity, {
          concertId,
        });
        expect([200, 201]).toContain(res.status);
        return res.body as { token: string };
      },
      { timeoutMs: 30_000 },
    );
    return { ...who, token: joined.token, joinedAt: Date.now() };
  }

  const statusOf = async (fan: InLine): Promise<Status> => {
    const res = await cluster.call('GET', 'queue', '/queue/tokens/me', fan.token);
    return res.status === 401 ? 'GONE' : (res.body.status as Status);
  };

  async function hold(fan: InLine, scheduleId: number, seatNo: number) {
    return eventually(
      async () => {
        // The reservation service learns a new date from concert.events: a moment later.
        const res = await cluster.call('POST', 'reservation', '/reservations', fan.token, {
          scheduleId,
          seatNo,
        });
        expect(res.status).not.toBe(404);
        return res;
      },
      { timeoutMs: 30_000 },
    );
  }

  async function buy(fan: InLine, scheduleId: number, seatNo: number) {
    expect(
      (
        await cluster.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
          amount: 10_000,
        })
      ).status,
    ).toBe(200);
    const held = await hold(fan, scheduleId, seatNo);
    expect(held.status).toBe(201);
    const paid = await cluster.call(
      'POST',
      'payment',
      '/payments',
      fan.token,
      { reservationId: held.body.reservationId },
      { prefer: 'wait=20' },
    );
    expect(paid.body.status).toBe('COMPLETED');
  }

  it('when an operator publishes a concert and a date, then a fan books it; a fan cannot publish', async () => {
    const { concertId, scheduleIds } = await publish([{ seats: 3 }]);
    const fan = await join(concertId);
    await eventually(async () => expect(await statusOf(fan)).toBe('ACTIVE'), { timeoutMs: 30_000 });
    await buy(fan, scheduleIds[0]!, 2);
    const mine = await cluster.call(
      'GET',
      'reservation',
      '/reservations?status=CONFIRMED',
      fan.identity,
    );
    expect(mine.body.items).toEqual([
      expect.objectContaining({ scheduleId: scheduleIds[0], seatNo: 2, status: 'CONFIRMED' }),
    ]);
    const notAnOperator = await call('POST', '/concerts', fan.identity, {
      title: `Show ${uuid()}`,
      artist: 'x',
      venue: 'y',
    });
    expect(notAnOperator).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('when a date is not on sale yet, then it cannot be held', async () => {
    const { concertId, scheduleIds } = await publish([
      { seats: 2 },
      { seats: 2, salesInMs: 3_600_000 },
    ]);
    const fan = await join(concertId);
    await eventually(async () => expect(await statusOf(fan)).toBe('ACTIVE'), { timeoutMs: 30_000 });
    const refused = await hold(fan, scheduleIds[1]!, 1);
    expect(refused).toMatchObject({ status: 409, body: { code: 'SALES_NOT_OPEN' } });
  });

  it('when a concert’s only date goes on sale later, then its queue admits nobody until then', async () => {
    const salesInMs = 4000;
    // Before publishing: the date opens `salesInMs` after publish reads the clock, so not before.
    const opensAt = Date.now() + salesInMs;
    const { concertId } = await publish([{ seats: 5, salesInMs }]);
    const fan = await join(concertId);
    const seen: { status: Status; at: number }[] = [];
    await eventually(
      async () => {
        const status = await statusOf(fan);
        seen.push({ status, at: Date.now() });
        expect(status).toBe('ACTIVE');
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(seen[0]!.status).toBe('WAITING');
    // Admitted once sales opened (the clocks of this machine and Redis are the same clock).
    expect(seen.find((s) => s.status === 'ACTIVE')!.at).toBeGreaterThanOrEqual(opensAt - 50);
  });

  it(`when ${SEATS} seats are sold to a line of ${FANS}, then the rest see SOLD_OUT and wait; a seat back admits the head of the line`, async () => {
    const { concertId, scheduleIds } = await publish([{ seats: SEATS }]);
    const scheduleId = scheduleIds[0]!;
    // Identities first (the provider's round trips), then the joins one after another: the
    // line's order is the order of the joins.
    const fans = await Promise.all(Array.from({ length: FANS }, () => newFan()));
    const line: InLine[] = [];
    for (const fan of fans) line.push(await join(concertId, fan));
    // The first fifty in line are admitted (QUEUE_MAX_ACTIVE), in order.
    const admitted = line.slice(0, SEATS);
    const waiting = line.slice(SEATS);
    await eventually(
      async () => {
        for (const fan of admitted) expect(await statusOf(fan)).toBe('ACTIVE');
      },
      { timeoutMs: 30_000 },
    );
    // 49 seats sold.
    for (let i = 0; i < SEATS - 1; i += 7)
      await Promise.all(
        admitted
          .slice(i, Math.min(i + 7, SEATS - 1))
          .map((fan, j) => buy(fan, scheduleId, i + j + 1)),
      );
    // The last one is paid for while the wallet is down: the seat is confirmed, the money not
    // taken yet. Nothing is left and no hold is pending: sold out.
    const last = admitted[SEATS - 1]!;
    expect(
      (
        await cluster.call('POST', 'wallet', `/wallets/${last.userId}/charges`, last.identity, {
          amount: 10_000,
        })
      ).status,
    ).toBe(200);
    const lastHold = await hold(last, scheduleId, SEATS);
    expect(lastHold.status).toBe(201);
    for (const instance of cluster.instances.wallet) await cluster.kill(instance);
    const paid = await cluster.call('POST', 'payment', '/payments', last.token, {
      reservationId: lastHold.body.reservationId,
    });
    expect(paid.status).toBe(202);
    // Fans admitted while seats were left are inside; everyone still in line is told.
    const inside = await eventually(
      async () => {
        const statuses = await Promise.all(waiting.map(statusOf));
        expect(statuses.filter((st) => st !== 'ACTIVE' && st !== 'SOLD_OUT')).toEqual([]);
        return waiting.filter((_, i) => statuses[i] === 'ACTIVE');
      },
      { timeoutMs: 15_000 },
    );
    const inLine = waiting.filter((fan) => !inside.includes(fan));
    expect(inLine.length).toBeGreaterThan(SEATS);
    // Those inside give up and leave: slots are free, and still nobody more is admitted.
    for (const fan of inside)
      expect((await cluster.call('DELETE', 'queue', '/queue/tokens/me', fan.token)).status).toBe(
        204,
      );
    for (let round = 0; round < 2; round++)
      for (const fan of inLine) expect(await statusOf(fan)).toBe('SOLD_OUT');

    // The debit cannot happen: past its deadline the saga compensates as soon as the wallet is
    // back, and the seat returns to its holder (a hold pending: the line moves again).
    for (const instance of cluster.instances.wallet) await cluster.restart(instance);
    await eventually(
      async () => {
        const payment = await cluster.call(
          'GET',
          'payment',
          `/payments/${paid.body.paymentId}`,
          last.identity,
        );
        expect(payment.body.status).toBe('FAILED');
      },
      { timeoutMs: 60_000 },
    );
    const head = inLine[0]!;
    const tail = inLine[inLine.length - 1]!;
    await eventually(async () => expect(await statusOf(head)).toBe('ACTIVE'), {
      timeoutMs: 30_000,
    });
    // In order: the line's head got in, its tail (beyond the free slots) still waits. Each
    // instance answers a waiting fan from its own snapshot of the line, at most 2 ×
    // QUEUE_SNAPSHOT_MS old (ADR 0015), while the head's ACTIVE comes from the store: right after
    // the head got in, an instance whose snapshot predates the seat's return may still say
    // SOLD_OUT. Its next snapshot says WAITING; ACTIVE never.
    await eventually(async () => expect(await statusOf(tail)).toBe('WAITING'), {
      timeoutMs: 15_000,
    });
    // The holder lets the seat go; the head of the line buys it: sold out again.
    expect(
      (
        await cluster.call(
          'DELETE',
          'reservation',
          `/reservations/${lastHold.body.reservationId}`,
          last.token,
        )
      ).status,
    ).toBe(204);
    await buy(head, scheduleId, SEATS);
    await eventually(async () => expect(await statusOf(tail)).toBe('SOLD_OUT'), {
      timeoutMs: 15_000,
    });
    await expectSagaInvariants(cluster);
  }, 300_000);
});
