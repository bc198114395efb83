import type { PaymentServiceHandle } from '../src/start';
import { PaymentDeployment } from './harness';

/** Sagas past their deadline move on, each on its own: one that cannot does not hold up others. */
describe('saga deadlines', () => {
  let deployment: PaymentDeployment;
  let payment: PaymentServiceHandle;

  beforeAll(async () => {
    deployment = await PaymentDeployment.create();
    // The periodic sweep stays out of the way: the test sweeps itself.
    payment = await deployment.startInstance({ SAGA_SWEEP_INTERVAL_MS: '60000' });
  });
  afterAll(() => deployment.stop());

  const stateOf = async (id: string) =>
    ((await deployment.db('payments').where({ id }).first()) as { saga_state: string }).saga_state;

  it('when one due saga cannot be moved on, then every other due saga still is, and the broken one is retried later', async () => {
    // Stored by an older version, say: a user id the messages' schema refuses. Its deadline is
    // the oldest, so it is the first the sweep meets.
    const broken = await deployment.insertSaga({
      state: 'DEBITING',
      userId: 'not a user id',
      overdueSeconds: 60,
    });
    const healthy = await Promise.all(
      [1, 2, 3].map(() => deployment.insertSaga({ state: 'DEBITING' })),
    );

    await payment.saga.sweepDue();

    // Past its deadline, a debit is cancelled (the wallet refunds it if it happened).
    for (const id of healthy) expect(await stateOf(id)).toBe('CANCELLING_DEBIT');
    expect(await stateOf(broken)).toBe('DEBITING');
    expect(deployment.logs()).toContainEqual(
      expect.objectContaining({ level: 'warn', paymentId: broken }),
    );
    // Not retried at every sweep: its deadline moved on.
    const row = await deployment.db('payments').where({ id: broken }).first();
    expect((row as { deadline_at: Date }).deadline_at.getTime()).toBeGreaterThan(Date.now());
  });

  it('when a saga stays past its deadline, then payment_sagas_overdue counts it for the alert', async () => {
    const before = await overdue();
    await deployment.insertSaga({ state: 'CONFIRMING', overdueSeconds: 600 });
    expect(await overdue()).toBe(before + 1);
  });

  async function overdue(): Promise<number> {
    const text = await (await fetch(`${payment.url}/metrics`)).text();
    return Number(/^payment_sagas_overdue (\d+)$/m.exec(text)?.[1]);
  }
});
