import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Answer } from './client';
import type { SaleView } from './sale-view';

// A careful app's patience: how often a fan asks again after 503/429, and how long at most.
const RETRY_FLOOR_S = 1;
const GIVE_UP_AFTER_S = 120;
// How many seats of a date a fan tries before looking at another, and dates per look.
const SEAT_TRIES = 3;
const DATES_PER_LOOK = 3;

/** A careful app stopped asking (too long unanswered, or the sale ended). */
export class GaveUp extends Error {}

/** Answers that say to ask again: busy (429, 503), or none came back whole (502, 504, none). */
const ASK_AGAIN = [429, 502, 503, 504, 599];
/**
 * Answers that leave a write unknown (API.md: 502 "it may have been done, the client looks
 * before repeating it"; a timeout; no answer): a write without a key is looked for before it is
 * sent again. 429 and 503 prove it was not done.
 */
const UNKNOWN_OUTCOME = [502, 504, 599];
const ASK_AGAIN_IF_NOT_DONE = ASK_AGAIN.filter((s) => !UNKNOWN_OUTCOME.includes(s));

/** Asks again while the answer says so (by default 503, 429, no answer), as Retry-After says. */
export async function patiently(
  sale: SaleView,
  step: string,
  call: () => Promise<Answer>,
  askAgainOn: readonly number[] = ASK_AGAIN,
): Promise<Answer> {
  const giveUpAt = sale.recorder.now() + GIVE_UP_AFTER_S;
  for (;;) {
    const answer = await call();
    if (!askAgainOn.includes(answer.status)) return answer;
    if (sale.over.value) throw new GaveUp(`${step}: the sale ended`);
    if (sale.recorder.now() > giveUpAt)
      throw new GaveUp(
        `${step}: ${GIVE_UP_AFTER_S} s of ${answer.status === 599 ? 'no answer' : answer.status}`,
      );
    const retryAfter = Number(answer.headers['retry-after'] ?? RETRY_FLOOR_S);
    await sleep(1000 * Math.max(RETRY_FLOOR_S, retryAfter));
  }
}

/**
 * A free seat held, looking at the dates that still have seats (a few at a time, each seat map
 * read live): its reservation id, or undefined when none was free this time.
 */
export async function holdASeat(
  sale: SaleView,
  fan: { pass: string; identity: string },
): Promise<string | undefined> {
  const pass = fan.pass;
  const dates = await patiently(sale, 'dates', () =>
    sale.client.call('GET', `/concerts/${sale.concertId}/schedules?available=true`, {
      step: 'dates',
      bearer: pass,
    }),
  );
  const schedules = ((dates.body.items as { scheduleId: number }[] | undefined) ?? []).map(
    (s) => s.scheduleId,
  );
  for (const scheduleId of shuffled(schedules).slice(0, DATES_PER_LOOK)) {
    for (let tries = 0; tries < SEAT_TRIES; tries++) {
      const seats = await patiently(sale, 'seats', () =>
        sale.client.call(
          'GET',
          `/concerts/${sale.concertId}/schedules/${scheduleId}/seats?available=true`,
          { step: 'seats', bearer: pass },
        ),
      );
      const free = (seats.body.items as { seatNo: number }[] | undefined) ?? [];
      if (free.length === 0) break;
      const seatNo = free[Math.floor(Math.random() * free.length)]!.seatNo;
      const held = await askForSeat(sale, fan, scheduleId, seatNo);
      if (typeof held === 'string') {
        sale.recorder.event('held');
        return held;
      }
      if (held.status !== 409) throw new GaveUp(`hold ${held.status}`);
    }
  }
  return undefined;
}

/**
 * Asks to hold the seat: the hold's id, or the refusal. A hold has no Idempotency-Key: when its
 * answer was lost on the way (a killed instance, a timeout) the hold may have been made, and
 * asking again would only be refused (the seat is the fan's own by then, SEAT_UNAVAILABLE), so
 * the fan's holds are read first, as API.md says a client does after a 502. One hold a fan:
 * HOLD_LIMIT_REACHED means an earlier hold of theirs is there, read back the same way.
 */
async function askForSeat(
  sale: SaleView,
  fan: { pass: string; identity: string },
  scheduleId: number,
  seatNo: number,
): Promise<string | Answer> {
  for (;;) {
    const answer = await patiently(
      sale,
      'hold',
      () =>
        sale.client.call('POST', '/reservations', {
          step: 'hold',
          bearer: fan.pass,
          body: { scheduleId, seatNo },
        }),
      ASK_AGAIN_IF_NOT_DONE,
    );
    if (answer.status === 201) return answer.body.reservationId as string;
    if (answer.status === 409 && answer.body.code === 'HOLD_LIMIT_REACHED')
      return (await heldAlready(sale, fan)) ?? answer;
    if (!UNKNOWN_OUTCOME.includes(answer.status)) return answer;
    const made = await heldAlready(sale, fan);
    if (made) return made;
    if (sale.over.value) throw new GaveUp('hold: the sale ended');
    await sleep(1000 * RETRY_FLOOR_S);
  }
}

/** The seat this fan holds for the sale's concert, read with their identity (none: gone since). */
async function heldAlready(sale: SaleView, fan: { identity: string }): Promise<string | undefined> {
  const mine = await patiently(sale, 'my holds', () =>
    sale.client.call('GET', '/reservations?status=HELD', {
      step: 'my holds',
      bearer: fan.identity,
    }),
  );
  const items =
    (mine.body.items as { reservationId: string; concertId: number }[] | undefined) ?? [];
  return items.find((r) => r.concertId === sale.concertId)?.reservationId;
}

/** The fan's wallet charged `amount`, once whatever the retries (an Idempotency-Key). */
export async function topUp(
  sale: SaleView,
  fan: { userId: string; identity: string },
  amount: number,
): Promise<void> {
  const key = randomUUID();
  await patiently(sale, 'top-up', () =>
    sale.client.call('POST', `/wallets/${encodeURIComponent(fan.userId)}/charges`, {
      step: 'top-up',
      bearer: fan.identity,
      body: { amount },
      headers: { 'idempotency-key': key },
    }),
  );
}

/** Pays and waits for the saga's outcome: COMPLETED, or the failure's code. */
export async function pay(
  sale: SaleView,
  fan: { pass: string; identity: string },
  reservationId: string,
): Promise<string> {
  const key = randomUUID();
  const answer = await patiently(sale, 'pay', () =>
    sale.client.call('POST', '/payments', {
      step: 'pay',
      bearer: fan.pass,
      body: { reservationId },
      headers: { 'idempotency-key': key, prefer: 'wait=10' },
    }),
  );
  // A keyed retry that reaches the service after the saga completed finds the pass spent (401,
  // API.md): the payment's outcome is read with the fan's identity, as the API says to.
  let payment = answer.status === 401 ? await paymentOf(sale, fan, reservationId) : answer.body;
  while (payment.status === 'PENDING') {
    const read = await patiently(sale, 'payment', () =>
      sale.client.call('GET', `/payments/${String(payment.paymentId)}`, {
        step: 'payment',
        bearer: fan.identity,
      }),
    );
    payment = read.body;
    if (payment.status === 'PENDING') await sleep(500);
  }
  return payment.status === 'COMPLETED' ? 'COMPLETED' : String(payment.failureCode);
}

/** The fan's newest payment of a reservation, read with their identity (none: a failed ask). */
async function paymentOf(
  sale: SaleView,
  fan: { identity: string },
  reservationId: string,
): Promise<Record<string, unknown>> {
  const list = await patiently(sale, 'payment', () =>
    sale.client.call('GET', `/payments?reservationId=${encodeURIComponent(reservationId)}`, {
      step: 'payment',
      bearer: fan.identity,
    }),
  );
  const items = (list.body.items as Record<string, unknown>[] | undefined) ?? [];
  return items[0] ?? { status: 'FAILED', failureCode: 'PASS_SPENT_WITHOUT_PAYMENT' };
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
