import { randomUUID } from 'node:crypto';
import { grantActiveToken, providerTokens } from '@ticketing/testing';
import type autocannon from 'autocannon';
import { cpuBreakdown, pidsMatching, withMachineCpu } from '../cpu';
import { runLoad } from '../load';
import type { Row } from '../report';
import type { BenchContext } from '../context';
import { benchSchedules, startSystem } from '../system';

/**
 * Sustained payment sagas: POST /payments with Prefer: wait=30 answers when the saga ends, so
 * autocannon's latency is request → COMPLETED. Open loop at fixed rates; every fan has an
 * ACTIVE token, a charged wallet and a hold, prepared before the clock starts.
 */
export async function sagaScenario(ctx: BenchContext): Promise<Row[]> {
  const rates = ctx.smoke
    ? [10]
    : (process.env.BENCH_SAGA_RATES ?? '50,100,200').split(',').map(Number);
  const seconds = ctx.smoke ? 1 : Math.min(ctx.seconds, 10);
  const system = await startSystem(ctx);
  const { services } = system;
  const urls = Object.fromEntries(
    Object.entries(services).map(([name, s]) => [name, s.urls[0]!]), // setup requests
  );
  try {
    // Enough dates for every saga: 50 seats each, published through the concert service's outbox.
    const total = rates.reduce((sum, r) => sum + r * seconds, 0);
    const { concertId, schedules } = await benchSchedules(ctx, system, Math.ceil(total / 50));

    const prepared: { token: string; reservationId: string }[] = [];
    for (let i = 0; i < total; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, total - i) }, async (_, j) => {
          const k = i + j;
          const fan = await grantActiveToken({
            redisUrl: ctx.infra.redisUrl,
            keyPrefix: system.keyPrefix,
            secret: ctx.serviceEnv.QUEUE_TOKEN_SECRET!,
            concertId,
            userId: randomUUID(),
          });
          const [identity] = await providerTokens([fan.userId], ctx.identityProvider);
          await post(`${urls.wallet}/wallets/${fan.userId}/charges`, { amount: 10_000 }, identity);
          const hold = await post(
            `${urls.reservation}/reservations`,
            { scheduleId: schedules[Math.floor(k / 50)]!.scheduleId, seatNo: (k % 50) + 1 },
            fan.token,
          );
          return { token: fan.token, reservationId: hold.reservationId as string };
        }),
      );
      prepared.push(...batch);
    }

    const rows: Row[] = [];
    let next = 0;
    for (const rate of rates) {
      const request: autocannon.Request = {
        method: 'POST',
        path: '/payments',
        setupRequest: (req) => {
          const p = prepared[next++]!;
          return {
            ...req,
            headers: {
              'content-type': 'application/json',
              prefer: 'wait=30',
              authorization: `Bearer ${p.token}`,
            },
            body: JSON.stringify({ reservationId: p.reservationId }),
          };
        },
      };
      const groups: Record<string, () => number[]> = {
        ...Object.fromEntries(
          Object.values(services).map((s) => [s.name, () => s.procs.map((p) => p.child.pid!)]),
        ),
        kafka: () => pidsMatching('kafka.Kafka'),
        postgres: () => pidsMatching('postgres'),
      };
      const { result: measured, seconds: cpuSeconds } = await cpuBreakdown(groups, () =>
        withMachineCpu(() =>
          runLoad({
            label: `sagas @ ${rate}/s`,
            url: services.payment.urls,
            connections: Math.max(rate, 10),
            amount: rate * seconds,
            overallRate: rate,
            requests: [request],
          }),
        ),
      );
      const { result, busyPercent } = measured;
      const perSaga = (name: string) =>
        `${name} ${((1000 * (cpuSeconds[name] ?? 0)) / Math.max(1, result.total)).toFixed(1)}`;
      rows.push({
        scenario: `payment saga: ${rate}/s, request → COMPLETED`,
        measured: result,
        target: rate === 100 ? 'p99 ≤ 250 ms' : undefined,
        met: rate === 100 ? result.p99Ms <= 250 && result.non2xx === 0 : undefined,
        notes: `${result.total} sagas; non-200 ${result.non2xx}; machine CPU busy ${busyPercent}% (2 cores); CPU ms per saga: ${Object.keys(cpuSeconds).map(perSaga).join(', ')}`,
      });
    }
    return rows;
  } finally {
    await system.stop();
  }
}

async function post(url: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}
