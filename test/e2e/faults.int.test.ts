// @slow 120: seconds it takes in a full run; jest starts it early (tools/testing/slow-first-sequencer.js).
import { randomUUID } from 'node:crypto';
import { SERVICE_NAMES } from '@ticketing/contracts';
import { createDb } from '@ticketing/platform/wiring';
import { PrivateKafka, testKafka, uuid, describeNeeding } from '@ticketing/testing';
import { Cluster } from '../cluster';
import { expectSagaInvariants } from '../invariants';
import {
  consumersCaughtUp,
  expectEveryPaymentEnded,
  paymentsInFlight,
  readAllMessages,
  sagaSnapshot,
  withFreshId,
} from '../payments-in-flight';

const FANS = 16;
const SERVICES = SERVICE_NAMES;

/**
 * Faults while payments are in flight, each ending with the invariants checked: no seat sold
 * twice, every balance equals its ledger and is ≥ 0, every payment ended, money taken ⇔ seat
 * confirmed. The system runs as processes (two instances of everything behind the gateway) on
 * a Kafka broker of this file's own, which the broker test stops and starts again.
 */
const suite = describeNeeding(
  'java',
  PrivateKafka.available(),
  "Java 17+ is needed to run a Kafka broker of this suite's own (apt-get install openjdk-17-jre-headless)",
);
suite('faults under load', () => {
  let kafka: PrivateKafka;
  let cluster: Cluster;
  beforeAll(async () => {
    kafka = await PrivateKafka.start();
    cluster = await Cluster.start({
      instances: 2,
      kafkaBrokers: kafka.brokers,
      // Holds outlive the file (5 min by default, which a slow machine's run of it passes): a
      // hold running out is time at work, not a fault, and would show in the snapshots compared.
      overrides: { reservation: { HOLD_TTL_SECONDS: '3600' } },
    });
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await kafka?.destroy();
  }, 120_000);

  it.each(SERVICES)(
    'when one %s instance is killed with SIGKILL mid-payments and restarted, then every payment ends and the invariants hold',
    (service) =>
      explained(async () => {
        const round = await paymentsInFlight(cluster, FANS);
        const victim = cluster.instances[service][0]!;
        await cluster.kill(victim);
        await round.paying;
        await cluster.restart(victim);
        await expectEveryPaymentEnded(cluster, round.reservationIds);
        const { completed } = await expectSagaInvariants(cluster);
        expect(completed).toBeGreaterThan(0);
      }),
    180_000,
  );

  it(
    'when an instance of each service is killed under a load of requests safe to repeat (reads, keyed writes), then no client sees a 5xx',
    () =>
      explained(async () => {
        const { concertId } = await cluster.bookableSchedule(20_000);
        const fans = await Promise.all(
          Array.from({ length: 8 }, () => cluster.activeFan(concertId)),
        );
        const statuses: { call: string; status: number; sentAt: number }[] = [];
        let loading = true;
        const load = Promise.all(
          fans.map(async (fan) => {
            while (loading) {
              for (const [call, send] of [
                [
                  'GET wallet',
                  () => cluster.call('GET', 'wallet', `/wallets/${fan.userId}`, fan.identity),
                ],
                [
                  'POST charge (keyed)',
                  () =>
                    cluster.call(
                      'POST',
                      'wallet',
                      `/wallets/${fan.userId}/charges`,
                      fan.identity,
                      { amount: 100 },
                      { 'idempotency-key': uuid() },
                    ),
                ],
                [
                  'GET my tickets',
                  () => cluster.call('GET', 'reservation', '/reservations', fan.identity),
                ],
                ['GET pass', () => cluster.call('GET', 'queue', '/queue/tokens/me', fan.token)],
                ['GET concerts', () => cluster.call('GET', 'concert', '/concerts', fan.identity)],
                [
                  'GET payments',
                  () =>
                    cluster.call(
                      'GET',
                      'payment',
                      `/payments?reservationId=${randomUUID()}`,
                      fan.identity,
                    ),
                ],
              ] as const) {
                const sentAt = Date.now();
                statuses.push({ call, status: (await send()).status, sentAt });
              }
            }
          }),
        );
        const victims = SERVICES.map((service) => cluster.instances[service][0]!);
        for (const victim of victims) {
          await faultLasts(300);
          await cluster.kill(victim);
        }
        const allDownAt = Date.now();
        await faultLasts(1500);
        loading = false;
        await load;
        await Promise.all(victims.map((victim) => cluster.restart(victim)));
        // The load was there while an instance of every service was down: every kind of call
        // was sent then (a count of calls would measure the machine's speed, not the system).
        const kinds = (from: number) =>
          [...new Set(statuses.filter((s) => s.sentAt >= from).map((s) => s.call))].sort();
        expect(kinds(allDownAt)).toEqual(kinds(0));
        expect(kinds(0)).toHaveLength(6);
        expect(statuses.filter((s) => s.status >= 500)).toEqual([]);
      }),
    180_000,
  );

  it(
    'when the Kafka broker is stopped for 10 s mid-payments and restarted, then every payment ends and the invariants hold',
    () =>
      explained(async () => {
        const round = await paymentsInFlight(cluster, FANS);
        await kafka.stop();
        await faultLasts(10_000);
        await kafka.startAgain();
        await round.paying;
        await expectEveryPaymentEnded(cluster, round.reservationIds);
        await expectSagaInvariants(cluster);
        // Every consumer is back: none stuck on a reply or crashed for good by the outage.
        await consumersCaughtUp(cluster);
      }),
    240_000,
  );

  it(
    'when every database connection of the services is terminated mid-payments, then every payment ends and the invariants hold',
    () =>
      explained(async () => {
        const round = await paymentsInFlight(cluster, FANS);
        const admin = createDb({
          url: cluster.databaseUrl('payment'),
          applicationName: 'test-admin',
        });
        const databases = (['concert', 'reservation', 'wallet', 'payment'] as const).map((name) =>
          new URL(cluster.databaseUrl(name)).pathname.slice(1),
        );
        let terminated = 0;
        for (let cut = 0; cut < 3; cut++) {
          const { rows } = await admin.raw(
            `select pg_terminate_backend(pid) as done from pg_stat_activity
          where datname = any(?) and pid <> pg_backend_pid() and application_name <> 'test-admin'`,
            [databases],
          );
          terminated += rows.length;
          await faultLasts(300);
        }
        await admin.destroy();
        expect(terminated).toBeGreaterThan(20);
        await round.paying;
        await expectEveryPaymentEnded(cluster, round.reservationIds);
        await expectSagaInvariants(cluster);
      }),
    180_000,
  );

  it(
    'when every saga message is delivered again (the same, and as late copies in reverse order), then nothing changes and the invariants hold',
    () =>
      explained(async () => {
        const round = await paymentsInFlight(cluster, FANS);
        await round.paying;
        await expectEveryPaymentEnded(cluster, round.reservationIds);
        await consumersCaughtUp(cluster);
        const before = await sagaSnapshot(cluster);
        const history = await readAllMessages(cluster);
        const commands = history.filter((m) => m.topic.endsWith('.commands'));
        const events = history.filter((m) => !m.topic.endsWith('.commands'));
        const producer = testKafka(cluster.kafkaBrokers).publisher();
        await producer.connect();
        // Redelivery: the same records (same message ids), newest first.
        for (const m of [...history].reverse()) {
          await producer.send({ topic: m.topic, messages: [m.message] });
        }
        // Late answers that look new (fresh message ids): replies to sagas that have ended.
        for (const m of [...events].reverse()) {
          await producer.send({ topic: m.topic, messages: [withFreshId(m.message)] });
        }
        await producer.disconnect();
        expect(commands.length).toBeGreaterThan(FANS * 2);
        await consumersCaughtUp(cluster);
        expect(await sagaSnapshot(cluster)).toEqual(before);
        await expectSagaInvariants(cluster);
      }),
    180_000,
  );

  /** A failing test says what every process logged last (warnings and errors). */
  async function explained(test: () => Promise<void>): Promise<void> {
    try {
      await test();
    } catch (err) {
      if (err instanceof Error)
        err.message += `\n\nLast lines of every process:\n${cluster.tails(30)}`;
      throw err;
    }
  }
});

/** How long an injected fault lasts (not a wait for an outcome: those are polled). */
const faultLasts = (ms: number) => new Promise((r) => setTimeout(r, ms));
