import { randomUUID } from 'node:crypto';
import { ALL_TOPICS } from '@ticketing/contracts';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, readTopics, testKafka, uuid, type StoredMessage } from '@ticketing/testing';
import type { Cluster } from './cluster';
import type { Reply } from './system-setup';

// Payments in flight on a running system, as the fault suites start them and check what came of
// them: every payment ended, what the sagas decided, every consumer caught up.

/** `count` fans with a hold each (one in four short of money), then all their payments at once. */
export async function paymentsInFlight(cluster: Cluster, count: number) {
  const { concertId, scheduleId } = await cluster.bookableSchedule(20_000);
  const fans = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const fan = await cluster.activeFan(concertId);
      await retrying(() =>
        cluster.call(
          'POST',
          'wallet',
          `/wallets/${fan.userId}/charges`,
          fan.identity,
          { amount: i % 4 === 3 ? 5_000 : 30_000 },
          { 'idempotency-key': uuid() },
        ),
      );
      const hold = await retrying(() =>
        cluster.call('POST', 'reservation', '/reservations', fan.token, {
          scheduleId,
          seatNo: i + 1,
        }),
      );
      return { ...fan, reservationId: hold.body.reservationId as string };
    }),
  );
  // Like a real client: on a 5xx or a cut connection, the same request again with its key.
  const paying = Promise.all(
    fans.map((fan) => {
      const key = uuid();
      return retrying(() =>
        cluster.call(
          'POST',
          'payment',
          '/payments',
          fan.token,
          { reservationId: fan.reservationId },
          { 'idempotency-key': key },
        ),
      );
    }),
  );
  return { paying, reservationIds: fans.map((f) => f.reservationId) };
}

/** Every payment of these reservations has ended (none PENDING). */
export async function expectEveryPaymentEnded(cluster: Cluster, reservationIds: string[]) {
  const db = createDb({ url: cluster.databaseUrl('payment'), applicationName: 'test' });
  try {
    await eventually(
      async () => {
        const rows = await db('payments')
          .whereIn('reservation_id', reservationIds)
          .select('status');
        expect(rows).toHaveLength(reservationIds.length);
        expect(rows.filter((r: { status: string }) => r.status === 'PENDING')).toEqual([]);
      },
      { timeoutMs: 120_000, intervalMs: 250 },
    );
  } finally {
    await db.destroy();
  }
}

/** What the sagas decided: payments, seats, money, the concert's seat map. */
export async function sagaSnapshot(cluster: Cluster) {
  const read = async (name: 'payment' | 'reservation' | 'wallet' | 'concert', sql: string) => {
    const db = createDb({ url: cluster.databaseUrl(name), applicationName: 'test' });
    try {
      return (await db.raw(sql)).rows as unknown[];
    } finally {
      await db.destroy();
    }
  };
  return {
    payments: await read(
      'payment',
      'select id, status, failure_code, amount from payments order by id',
    ),
    reservations: await read(
      'reservation',
      'select id, status, payment_id from reservations order by id',
    ),
    wallets: await read('wallet', 'select user_id, balance from wallets order by user_id'),
    ledger: await read('wallet', 'select count(*)::int as entries from ledger'),
    debits: await read('wallet', 'select payment_id, status from debits order by payment_id'),
    seats: await read(
      'concert',
      'select schedule_id, seat_no, status from seats order by schedule_id, seat_no',
    ),
  };
}

/** Every message on the system's topics so far (not the dead-letter topics). */
export const readAllMessages = (cluster: Cluster) =>
  readTopics(
    ALL_TOPICS.map((t) => `${cluster.topicPrefix}${t}`),
    cluster.kafkaBrokers,
  );

/** The message as a late copy that looks new: a fresh message id. */
export function withFreshId(message: StoredMessage['message']): StoredMessage['message'] {
  const id = randomUUID();
  const envelope = JSON.parse(String(message.value)) as { id: string };
  envelope.id = id;
  return {
    key: message.key,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { ...message.headers, 'message-id': id },
  };
}

/** Every service's consumer group has committed up to the end of every partition it reads. */
export async function consumersCaughtUp(cluster: Cluster) {
  const admin = testKafka(cluster.kafkaBrokers).admin();
  await admin.connect();
  try {
    const topics = ALL_TOPICS.map((t) => `${cluster.topicPrefix}${t}`);
    await eventually(
      async () => {
        const behind: string[] = [];
        for (const topic of topics) {
          const ends = await admin.topicOffsets(topic);
          for (const groupId of cluster.consumerGroups()) {
            const [committed] = await admin.groupOffsets(groupId, [topic]);
            for (const p of committed!.partitions) {
              if (p.offset === '-1') continue; // a topic this group does not read
              const end = ends.find((e) => e.partition === p.partition)!.high;
              if (p.offset !== end) behind.push(`${groupId} ${topic}/${p.partition}`);
            }
          }
        }
        expect(behind).toEqual([]);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  } finally {
    await admin.disconnect();
  }
}

/** The request again until it is answered below 500 (cut connections count as 5xx). */
export async function retrying(call: () => Promise<Reply>): Promise<Reply> {
  return eventually(
    async () => {
      const reply = await call().catch((err: Error) => ({
        status: 599,
        body: { err: err.message },
      }));
      expect(reply.status).toBeLessThan(500);
      expect(reply.status).toBeGreaterThanOrEqual(200);
      expect(reply.status).toBeLessThan(300);
      return reply as Reply;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}
