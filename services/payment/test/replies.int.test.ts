import { Database } from '@ticketing/platform';
import { uuid } from '@ticketing/testing';
import { Payments } from '../src/domain/payments';
import { PaymentDeployment } from './harness';

/**
 * A fetch's replies are taken in one transaction (ADR 0014): the sagas they name are locked and
 * read in one statement, and a saga named twice is read again after its first step changed it.
 */
describe('replies taken together', () => {
  let deployment: PaymentDeployment;
  let db: Database;
  let payments: Payments;

  beforeAll(async () => {
    deployment = await PaymentDeployment.create();
    // An instance migrates the schema; its sweep stays out of the way.
    await deployment.startInstance({ SAGA_SWEEP_INTERVAL_MS: '60000' });
    db = new Database(deployment.db);
    payments = new Payments(db, { stepTimeoutMs: 30_000 });
  });
  afterAll(() => deployment.stop());

  const stateOf = async (id: string) =>
    (
      (await deployment.db('payments').where({ id }).first()) as {
        saga_state: string;
        status: string;
      }
    ).saga_state;

  it('when one transaction takes replies for three sagas, one of them twice, then the sagas are locked in one statement and the second reply sees the first one’s step', async () => {
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => deployment.insertSaga({ state: 'DEBITING' })),
    );
    const replies = [
      { paymentId: a!, type: 'wallet.debited' as const },
      { paymentId: b!, type: 'wallet.debited' as const },
      { paymentId: c!, type: 'wallet.debited' as const },
      { paymentId: a!, type: 'queue.token-expired' as const },
    ];
    const locks: string[] = [];

    await db.transaction(async (tx) => {
      const query = tx.query.bind(tx);
      tx.query = (sql, params) => {
        if (/for update/i.test(sql)) locks.push(sql);
        return query(sql, params);
      };
      for (const reply of replies)
        await payments.onReply(tx, reply.paymentId, { type: reply.type }, uuid(), {
          alongside: replies.map((r) => r.paymentId),
        });
    });

    // One statement for the three, and one more for the saga asked for a second time.
    expect(locks).toHaveLength(2);
    expect(await stateOf(b!)).toBe('EXPIRING_TOKEN');
    expect(await stateOf(c!)).toBe('EXPIRING_TOKEN');
    // Debited, then (as read after that step) its token expired: the saga is done.
    expect(await stateOf(a!)).toBe('DONE');
    const steps = await deployment.db('saga_steps').where({ payment_id: a }).orderBy('id');
    expect(steps.map((s: { step: string; status: string }) => [s.step, s.status])).toEqual([
      ['wallet.debited', 'RECEIVED'],
      ['payment.completed', 'SENT'],
      ['queue.expire-token', 'SENT'],
      ['queue.token-expired', 'RECEIVED'],
    ]);
  });
});
