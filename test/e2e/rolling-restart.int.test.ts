// @slow 55: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { SERVICE_NAMES } from '@ticketing/contracts';
import { DEFAULT_DRAIN_MS } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, uuid } from '@ticketing/testing';
import { Cluster } from '../cluster';
import { expectSagaInvariants } from '../invariants';
import type { Reply } from '../system-setup';

/**
 * A rolling deploy under traffic (issue: "nothing shows that a rolling restart loses no
 * request"): fans keep polling their queue position, holding seats and paying, through the
 * gateway, while every instance of every service is stopped with SIGTERM and replaced, one after
 * another. A request fails when the client sees a 5xx or a cut connection; the target is none,
 * and every saga ends.
 */
// Purchases each instance's replacement allows: 10 instances × 4 ≤ the 50 seats.
const PURCHASES_PER_INSTANCE = 4;

describe('rolling restart under traffic', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    // The drain a stopping instance does by default (tests' services skip it): without it, the
    // gateway met a connection closing under a hold it had just sent (502).
    cluster = await Cluster.start({
      instances: 2,
      env: { HTTP_DRAIN_MS: String(DEFAULT_DRAIN_MS) },
    });
  }, 120_000);
  afterAll(() => cluster?.stop());

  it('when every instance of every service is replaced one after another under a steady mix of polls, holds and payments, then no request fails and every saga ends', async () => {
    const { concertId, scheduleId } = await cluster.bookableSchedule(1_000);
    const seats = Array.from({ length: 50 }, (_, i) => ({ scheduleId, seatNo: i + 1 }));
    const pollers = await Promise.all(
      Array.from({ length: 4 }, () => cluster.activeFan(concertId)),
    );
    const buyers = await Promise.all(seats.map(() => cluster.activeFan(concertId)));
    for (const buyer of buyers)
      expect(
        (
          await cluster.call(
            'POST',
            'wallet',
            `/wallets/${buyer.userId}/charges`,
            buyer.identity,
            { amount: 1_000 },
            { 'idempotency-key': uuid() },
          )
        ).status,
      ).toBe(200);

    const counts = { requests: 0, failed: 0, paid: 0 };
    const failures: string[] = [];
    const record = async (what: string, call: () => Promise<Reply>): Promise<Reply | undefined> => {
      counts.requests += 1;
      try {
        const reply = await call();
        if (reply.status >= 500) {
          counts.failed += 1;
          failures.push(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
        }
        return reply;
      } catch (err) {
        counts.failed += 1;
        failures.push(`${what}: ${(err as Error).message}`);
        return undefined;
      }
    };
    let running = true;
    const polling = pollers.map(async (fan) => {
      while (running) {
        await record('poll', () => cluster.call('GET', 'queue', '/queue/tokens/me', fan.token));
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    // One buyer, paced by the rollout rather than the clock, so purchases span all of it on any
    // machine: each instance's replacement allows the next few (a clock's pace ran out of
    // seats before the wallet's turn on a slower machine, where restarts take longer).
    let next = 0;
    let allowed = 0;
    const paidAt: number[] = [];
    const buying = Array.from({ length: 1 }, async () => {
      while (running && next < buyers.length) {
        await new Promise((r) => setTimeout(r, next < allowed ? 200 : 50));
        if (next >= allowed) continue;
        const i = next++;
        const fan = buyers[i]!;
        const hold = await record('hold', () =>
          cluster.call('POST', 'reservation', '/reservations', fan.token, seats[i]),
        );
        if (hold?.status !== 201) continue;
        const paid = await record('pay', () =>
          cluster.call(
            'POST',
            'payment',
            '/payments',
            fan.token,
            { reservationId: hold.body.reservationId },
            { prefer: 'wait=5' },
          ),
        );
        if (paid && paid.status < 300) {
          counts.paid += 1;
          paidAt.push(Date.now());
        }
      }
    });

    // The rollout: each instance stopped as Kubernetes stops a pod, replaced, and the next.
    const exits: string[] = [];
    const restartedAt: Partial<Record<string, number>> = {};
    for (const service of SERVICE_NAMES)
      for (const instance of cluster.instances[service]) {
        restartedAt[service] ??= Date.now();
        allowed = Math.min(allowed + PURCHASES_PER_INSTANCE, buyers.length);
        const code = await cluster.terminate(instance);
        // Its last words say why (a stop step that failed), in the failure's message.
        if (code !== 0)
          exits.push(`${instance.label} exited ${code}: ${instance.tail.slice(-8).join(' | ')}`);
        await cluster.restart(instance);
        // Traffic on the new instance first: this step's purchases made (or begun).
        await eventually(() => expect(next).toBeGreaterThanOrEqual(allowed), {
          timeoutMs: 60_000,
          intervalMs: 100,
        });
      }
    running = false;
    await Promise.all([...polling, ...buying]);

    expect(exits).toEqual([]);
    // A failure comes with the gateway's account of it (which instance, how the try ended).
    const gatewaySaw = cluster.gateway.tail.filter((l) => l.includes('upstream instance failed'));
    expect({ ...counts, failures, gatewaySaw: failures.length ? gatewaySaw : [] }).toMatchObject({
      failed: 0,
      failures: [],
    });
    expect(counts.requests).toBeGreaterThan(100);
    // Payments went on while the wallet and the payment services themselves were replaced.
    expect(paidAt.filter((t) => t > restartedAt.wallet!).length).toBeGreaterThan(0);
    // Every saga ended (none left PENDING by a stopped instance), with money ⇔ seat.
    const payments = createDb({ url: cluster.databaseUrl('payment'), applicationName: 'test' });
    try {
      await eventually(
        async () => {
          const [{ n }] = (await payments('payments')
            .where({ status: 'PENDING' })
            .count('* as n')) as { n: string | number }[];
          expect(Number(n)).toBe(0);
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
    } finally {
      await payments.destroy();
    }
    await expectSagaInvariants(cluster);
    process.stdout.write(
      `[rolling restart] ${counts.requests} requests, ${counts.failed} failed, ${counts.paid} payments answered\n`,
    );
  }, 300_000);
});
