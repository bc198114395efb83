import type { Cluster } from './cluster';

// A fan of a running system with a seat held and money in their wallet, paying for it, as the
// payment saga's end-to-end tests make them.

/** A fan with an ACTIVE pass, `balance` in their wallet (none: no charge) and seat `seatNo` held. */
export async function fanWithHold(system: Cluster, balance: number, seatNo = 1) {
  return fanHoldingOn(system, await system.bookableSchedule(50_000), balance, seatNo);
}

/** As `fanWithHold`, on a date the caller chose (several fans on one date, each their seat). */
export async function fanHoldingOn(
  system: Cluster,
  schedule: { concertId: number; scheduleId: number },
  balance: number,
  seatNo: number,
) {
  const fan = await system.activeFan(schedule.concertId);
  if (balance > 0)
    expect(
      (
        await system.call('POST', 'wallet', `/wallets/${fan.userId}/charges`, fan.identity, {
          amount: balance,
        })
      ).status,
    ).toBe(200);
  const hold = await system.call('POST', 'reservation', '/reservations', fan.token, {
    scheduleId: schedule.scheduleId,
    seatNo,
  });
  expect(hold.status).toBe(201);
  return { ...fan, ...schedule, reservationId: hold.body.reservationId as string };
}

/** POST /payments for the fan's hold, waiting for its end up to `wait` s (Prefer: wait). */
export const pay = (
  system: Cluster,
  fan: { token: string; reservationId: string },
  wait = 20,
  headers: Record<string, string> = {},
) =>
  system.call(
    'POST',
    'payment',
    '/payments',
    fan.token,
    { reservationId: fan.reservationId },
    { ...(wait && { prefer: `wait=${wait}` }), ...headers },
  );

export /** The fan's balance, read as the fan; a reply that is not a balance fails with the reply shown. */
async function balanceOf(
  system: Cluster,
  fan: { userId: string; identity: string },
): Promise<number> {
  const reply = await system.call('GET', 'wallet', `/wallets/${fan.userId}`, fan.identity);
  expect(reply).toMatchObject({ status: 200, body: { balance: expect.any(Number) } });
  return (reply.body as { balance: number }).balance;
}
