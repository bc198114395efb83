import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/** The steps of a purchase after admission, in the order a fan takes them. */
export const JOURNEY_STEPS = ['dates', 'seats', 'hold', 'charge', 'pay', 'read back'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number] | 'queue';

export interface JourneyTimes {
  /** performance.now() when the fan learned it was admitted (ACTIVE). */
  admittedAt: number;
  /** How long each step took the fan, ms (a step taken twice — another seat — counts both). */
  steps: Record<JourneyStep, number>;
  endedAt: number;
  paid: boolean;
  /** HTTP requests the fan made. */
  requests: number;
  /** Holds refused because another fan had the seat first. */
  seatsTaken: number;
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  retryAfter: number | null;
}

/**
 * One fan's purchase through the gateway, as a fan's app makes it (API.md): join, poll as
 * Retry-After says until ACTIVE, dates, seats, hold (another seat on 409), charge, pay with
 * Prefer: wait, read the payment back. Anything unexpected fails the run with what was answered.
 */
export async function fanJourney(
  gateway: string,
  fan: {
    userId: string;
    identity: string;
    concertId: number;
    pick: (max: number) => number;
    /** Called as the fan learns it was admitted. */
    onAdmitted?: () => void;
  },
): Promise<JourneyTimes> {
  let requests = 0;
  const steps = { queue: 0, dates: 0, seats: 0, hold: 0, charge: 0, pay: 0, 'read back': 0 };
  const timed = async <T>(step: JourneyStep, work: () => Promise<T>): Promise<T> => {
    const began = performance.now();
    try {
      return await work();
    } finally {
      steps[step] += performance.now() - began;
    }
  };
  const call = async (
    method: string,
    path: string,
    bearer: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    requests += 1;
    const res = await fetch(`${gateway}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const retryAfter = res.headers.get('retry-after');
    return {
      status: res.status,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
      retryAfter: retryAfter === null ? null : Number(retryAfter),
    };
  };
  const expect = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status)
      throw new Error(`${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body;
  };

  const joinedAt = performance.now();
  const joined = expect(
    await call('POST', '/queue/tokens', fan.identity, { concertId: fan.concertId }),
    201,
    'joining the queue',
  );
  const pass = joined.token as string;
  let status = joined.status as string;
  while (status !== 'ACTIVE') {
    const polled = await call('GET', '/queue/tokens/me', pass);
    status = expect(polled, 200, 'polling the queue').status as string;
    if (status !== 'ACTIVE') await sleep(1000 * (polled.retryAfter ?? 1));
  }
  const admittedAt = performance.now();
  steps.queue = admittedAt - joinedAt;
  fan.onAdmitted?.();

  let seatsTaken = 0;
  let hold: Record<string, unknown> | undefined;
  while (!hold) {
    const dates = expect(
      await timed('dates', () =>
        call('GET', `/concerts/${fan.concertId}/schedules?available=true`, pass),
      ),
      200,
      'listing dates',
    ).items as { scheduleId: number }[];
    if (dates.length === 0) throw new Error('no date with seats left');
    const { scheduleId } = dates[fan.pick(dates.length)]!;
    const seats = expect(
      await timed('seats', () =>
        call(
          'GET',
          `/concerts/${fan.concertId}/schedules/${scheduleId}/seats?available=true`,
          pass,
        ),
      ),
      200,
      'listing seats',
    ).items as { seatNo: number }[];
    if (seats.length === 0) continue; // the map moved on since the dates were listed
    const { seatNo } = seats[fan.pick(seats.length)]!;
    const held = await timed('hold', () =>
      call('POST', '/reservations', pass, { scheduleId, seatNo }),
    );
    if (held.status === 409 && held.body.code === 'SEAT_UNAVAILABLE') seatsTaken += 1;
    else hold = expect(held, 201, 'holding a seat');
  }

  expect(
    await timed('charge', () =>
      call(
        'POST',
        `/wallets/${fan.userId}/charges`,
        fan.identity,
        { amount: hold.price as number },
        { 'idempotency-key': randomUUID() },
      ),
    ),
    200,
    'charging the wallet',
  );
  const payment = expect(
    await timed('pay', () =>
      call('POST', '/payments', pass, { reservationId: hold.reservationId }, { prefer: 'wait=30' }),
    ),
    200,
    'paying',
  );
  const readBack = expect(
    await timed('read back', () =>
      call('GET', `/payments/${payment.paymentId as string}`, fan.identity),
    ),
    200,
    'reading the payment back',
  );
  return {
    admittedAt,
    steps,
    endedAt: performance.now(),
    paid: readBack.status === 'COMPLETED',
    requests,
    seatsTaken,
  };
}
