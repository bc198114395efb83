import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb } from '@ticketing/platform/wiring';
import { identityToken } from '@ticketing/testing';
import type { Stage } from './stage';

/** Seats of one date (the catalog's seat map is 1..50). */
export const SEATS_PER_DATE = 50;

export interface OnSale {
  concertId: number;
  schedules: number[];
  price: number;
  /** When sales open (epoch ms). */
  opensAtMs: number;
  /** When they close, if not a month away (epoch ms). */
  closesAtMs?: number;
}

/**
 * Publishes the on-sale as an operator does, through the concert service's admin API: a concert
 * whose `seats` are spread over dates of 50, every date on sale from `opensAtMs`; resolves once
 * the reservation service knows every date (from concert.events).
 */
export async function publishOnSale(
  stage: Stage,
  /**
   * `opensAtMs`: when sales open; left out, they open as the dates are published. `closesAtMs`:
   * when they close (the dates start then, a second apart); left out, the dates are a month away.
   */
  options: { seats: number; price: number; opensAtMs?: number; closesAtMs?: number },
): Promise<OnSale> {
  const admin = await identityToken(randomUUID(), {
    admin: true,
    issuer: stage.identityProvider.issuer,
  });
  // An operator publishing fifty dates is one client over the gateway's budget: a 429 was not
  // carried out, so it is asked again after its Retry-After, as any client does.
  const post = async (path: string, body: unknown) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`${stage.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify(body),
      });
      if (res.status === 429 && Date.now() < deadline) {
        await res.arrayBuffer();
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        continue;
      }
      if (res.status !== 201)
        throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    }
  };
  const concert = await post('/concerts', {
    title: `Rehearsal ${new Date().toISOString()}`,
    artist: 'The Rehearsal',
    venue: 'Arena',
  });
  const concertId = concert.concertId as number;
  const schedules: number[] = [];
  const dates = Math.ceil(options.seats / SEATS_PER_DATE);
  for (let i = 0; i < dates; i++) {
    const date = await post(`/concerts/${concertId}/schedules`, {
      startsAt: new Date(
        options.closesAtMs !== undefined
          ? options.closesAtMs + i * 1000
          : Date.now() + (30 + i) * 86_400_000,
      ).toISOString(),
      price: options.price,
      seats: Math.min(SEATS_PER_DATE, options.seats - i * SEATS_PER_DATE),
      ...(options.opensAtMs !== undefined && {
        salesOpenAt: new Date(options.opensAtMs).toISOString(),
      }),
    });
    schedules.push(date.scheduleId as number);
  }
  await untilReservationsKnow(stage, schedules.length);
  return {
    concertId,
    schedules,
    price: options.price,
    opensAtMs: options.opensAtMs ?? Date.now(),
    ...(options.closesAtMs !== undefined && { closesAtMs: options.closesAtMs }),
  };
}

async function untilReservationsKnow(stage: Stage, dates: number): Promise<void> {
  const db = createDb({ url: stage.databases.reservation, applicationName: 'rehearsal' });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const [{ n }] = (await db('schedules').count({ n: '*' })) as [{ n: string }];
      if (Number(n) >= dates) return;
      if (Date.now() > deadline)
        throw new Error(`the reservation service knew ${n} of ${dates} dates after 120 s`);
      await sleep(200);
    }
  } finally {
    await db.destroy();
  }
}
