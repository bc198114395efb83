import { grantActiveToken } from '@ticketing/testing';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { benchSchedules, startSystem } from '../system';

/**
 * How stale the per-instance memories can be, measured end to end with two instances of each
 * service (whatever INSTANCES says):
 * - a queue pass the fan gave up (DELETE at the queue) until every concert instance answers 401;
 * - a seat held at the reservation service until every concert instance's seat map shows it
 *   HELD (outbox → Kafka → projection → NOTIFY → the map is read again).
 * Each sample polls every instance back to back, so the figure includes one poll's latency.
 */
export async function stalenessScenario(ctx: BenchContext): Promise<Row[]> {
  const samples = ctx.smoke ? 3 : 50;
  const system = await startSystem(ctx, { instances: 2 });
  try {
    const { concertId, schedules } = await benchSchedules(system, 1);
    const scheduleId = schedules[0]!.scheduleId;
    const concerts = system.services.concert.urls;
    const seatsPath = `/concerts/${concertId}/schedules/${scheduleId}/seats`;
    const fan = () =>
      grantActiveToken({
        redisUrl: ctx.infra.redisUrl,
        keyPrefix: system.keyPrefix,
        secret: ctx.serviceEnv.QUEUE_TOKEN_SECRET!,
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
    return [
      row('queue pass given up → 401 on every instance', revocations, 100),
      row('seat held → HELD in every instance’s seat map', holds, 1000),
    ];
  } finally {
    await system.stop();
  }
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
