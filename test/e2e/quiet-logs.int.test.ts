import { testKafka } from '@ticketing/testing';
import { eventually, uuid } from '@ticketing/testing';
import { Cluster } from '../cluster';

/**
 * "Logs cry wolf": a clean start of two instances of everything (consumer groups rebalancing as
 * the second member of each joins), a paid journey and a graceful stop log nothing at `error`.
 * An error line has to mean something an on-call engineer should look at.
 */
describe('a clean start, a journey and a stop', () => {
  it('when two instances of every service start, serve a payment and stop, then no line is logged at error', async () => {
    const cluster = await Cluster.start({ instances: 2, env: { LOG_LEVEL: 'info' } });
    try {
      // Every group settled with both members: the rebalances of the start are behind us.
      const admin = testKafka(cluster.kafkaBrokers).admin();
      await admin.connect();
      try {
        await eventually(
          async () => {
            const groups = await admin.describeGroups(cluster.consumerGroups());
            expect(groups.map((g) => [g.groupId, g.state, g.members])).toEqual(
              cluster.consumerGroups().map((g) => [g, 'Stable', 2]),
            );
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
      } finally {
        await admin.disconnect();
      }
      const { concertId, scheduleId } = await cluster.bookableSchedule(30_000);
      const fan = await cluster.activeFan(concertId);
      await cluster.call(
        'POST',
        'wallet',
        `/wallets/${fan.userId}/charges`,
        fan.identity,
        { amount: 30_000 },
        { 'idempotency-key': uuid() },
      );
      const hold = await cluster.call('POST', 'reservation', '/reservations', fan.token, {
        scheduleId,
        seatNo: 1,
      });
      const paid = await cluster.call(
        'POST',
        'payment',
        '/payments',
        fan.token,
        { reservationId: hold.body.reservationId },
        { prefer: 'wait=20' },
      );
      expect(paid.body).toMatchObject({ status: 'COMPLETED' });
    } finally {
      await cluster.stop();
    }
    const errors = [cluster.gateway, ...Object.values(cluster.instances).flat()].flatMap((i) =>
      i.errors.map((line) => `${i.label}: ${line}`),
    );
    expect(errors).toEqual([]);
  }, 180_000);
});
