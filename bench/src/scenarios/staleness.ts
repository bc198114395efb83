import { queueKeys } from '@ticketing/queue-pass';
import { grantActiveToken, providerTokens } from '@ticketing/testing';
import Redis from 'ioredis';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { benchSchedules, publishConcert, startSystem } from '../system';
import { NotYet, retryUntil } from '@ticketing/platform';

/**
 * How stale the per-instance memories can be, measured end to end with two instances of each
 * service (whatever INSTANCES says):
 * - a queue pass the fan gave up (DELETE at the queue) until every concert instance answers 401;
 * - a seat held at the reservation service until every concert instance's seat map shows it
 *   HELD (outbox → Kafka → projection → NOTIFY → the map is read again);
 * - the last seat of a date paid for until the queue knows the concert is sold out (the saga's
 *   confirmation → projection → concert.availability-changed → the queue's Redis state).
 * Each sample polls every instance back to back, so the figure includes one poll's latency.
 */
export async function stalenessScenario(ctx: BenchContext): Promise<Row[]> {
  const samples = ctx.smoke ? 3 : 50;
  const system = await startSystem(ctx, { instances: 2 });
  try {
    const { concertId, schedules } = await benchSchedules(ctx, system, 1);
    const scheduleId = schedules[0]!.scheduleId;
    const concerts = system.services.concert.urls;
    const seatsPath = `/concerts/${concertId}/schedules/${scheduleId}/seats`;
    const fan = () =>
      grantActiveToken({
        redisUrl: ctx.infra.redisUrl,
        keyPrefix: system.keyPrefix,
        signingKey: ctx.serviceEnv.QUEUE_PASS_SIGNING_KEY!,
        concertId,
      });
    const get = (url: string, token: string) =>
      fetch(`${url}${seatsPath}`, { headers: { authorization: `Bearer ${token}` } });

    const revocations: number[] = [];
    for (let i = 0; i < samples; i++) {
      const { token } = await fan();
      for (const url of concerts) await (await get(url, token)).arrayBuffer(); // remembered ACTIVE
      const left = await fetch(`${system.services.queue.urls[0]}/queue/tokens/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      if (left.status !== 204) throw new Error(`leaving answered ${left.status}`);
      const t0 = performance.now();
      revocations.push(
        await until(concerts, async (url) => (await get(url, token)).status === 401, t0),
      );
    }

    const viewer = (await fan()).token;
    const holds: number[] = [];
    for (let seatNo = 1; seatNo <= Math.min(samples, 50); seatNo++) {
      for (const url of concerts) await (await get(url, viewer)).arrayBuffer(); // map in memory
      const holder = await fan();
      const held = await fetch(`${system.services.reservation.urls[0]}/reservations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${holder.token}` },
        body: JSON.stringify({ scheduleId, seatNo }),
      });
      if (held.status !== 201) throw new Error(`hold answered ${held.status}`);
      const t0 = performance.now();
      holds.push(
        await until(
          concerts,
          async (url) => {
            const map = (await (await get(url, viewer)).json()) as {
              items: { seatNo: number; status: string }[];
            };
            return map.items.find((s) => s.seatNo === seatNo)?.status === 'HELD';
          },
          t0,
        ),
      );
    }
    // The queue's sold-out state: a date of one seat is paid for; from the payment request
    // (the seat is confirmed by the saga's first step) until the queue's Redis says sold out,
    // which is what every poll and the admission tick read.
    const redis = new Redis(ctx.infra.redisUrl, { keyPrefix: system.keyPrefix });
    const soldOut: number[] = [];
    try {
      for (let i = 0; i < (ctx.smoke ? 1 : 10); i++) {
        const single = await publishConcert(ctx, concerts[0]!, { dates: 1, seats: 1 });
        const holder = await grantActiveToken({
          redisUrl: ctx.infra.redisUrl,
          keyPrefix: system.keyPrefix,
          signingKey: ctx.serviceEnv.QUEUE_PASS_SIGNING_KEY!,
          concertId: single.concertId,
        });
        const [identity] = await providerTokens([holder.userId], ctx.identityProvider);
        await post(
          `${system.services.wallet.urls[0]}/wallets/${holder.userId}/charges`,
          identity!,
          {
            amount: 10_000,
          },
        );
        const reservationId = await until1(async () => {
          // The reservation service learns the new date a moment after it is published.
          const res = await post(
            `${system.services.reservation.urls[0]}/reservations`,
            holder.token,
            {
              scheduleId: single.schedules[0]!.scheduleId,
              seatNo: 1,
            },
          );
          return res.status === 201
            ? ((await res.json()) as { reservationId: string }).reservationId
            : undefined;
        });
        const paid = await post(`${system.services.payment.urls[0]}/payments`, holder.token, {
          reservationId,
        });
        if (paid.status !== 202) throw new Error(`payment answered ${paid.status}`);
        const t0 = performance.now();
        const sales = queueKeys(single.concertId).sales;
        soldOut.push(
          await until(['redis'], async () => (await redis.hget(sales, 'soldOut')) === '1', t0),
        );
      }
    } finally {
      redis.disconnect();
    }
    return [
      row('queue pass given up → 401 on every instance', revocations, 100),
      row('seat held → HELD in every instance’s seat map', holds, 1000),
      row('last seat paid for → the queue says SOLD_OUT', soldOut, 1000),
    ];
  } finally {
    await system.stop();
  }
}

const post = (url: string, token: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });

/** The first defined answer of `attempt`, asked again until there is one (30 s at most). */
function until1<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  return retryUntil(
    async () => {
      const value = await attempt();
      if (value === undefined) throw new NotYet();
      return value;
    },
    { timeoutMs: 30_000, intervalMs: 50, onTimeout: () => new Error('no answer within 30 s') },
  );
}

/** Ms from `t0` until `done` holds for every url (each polled until it does). */
async function until(urls: string[], done: (url: string) => Promise<boolean>, t0: number) {
  for (const url of urls) {
    const deadline = t0 + 30_000;
    while (!(await done(url))) {
      if (performance.now() > deadline) throw new Error(`${url} still stale after 30 s`);
    }
  }
  return performance.now() - t0;
}

function row(what: string, ms: number[], boundMs: number): Row {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const max = sorted[sorted.length - 1]!;
  return {
    scenario: `staleness: ${what}`,
    value: `p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    target: `≤ ${boundMs} ms`,
    met: max <= boundMs,
    notes: `${ms.length} samples, two instances`,
  };
}
