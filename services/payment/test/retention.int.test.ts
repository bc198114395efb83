import { uuid } from '@ticketing/testing';
import type { PaymentServiceHandle } from '../src/start';
import { PaymentDeployment } from './harness';

/** An ended saga's timeline goes after its window; a running saga's never does. */
describe('saga timeline retention', () => {
  let deployment: PaymentDeployment;
  let payment: PaymentServiceHandle;

  beforeAll(async () => {
    deployment = await PaymentDeployment.create();
    // The periodic tasks stay out of the way: the test runs the purge itself.
    payment = await deployment.startInstance({
      SAGA_SWEEP_INTERVAL_MS: '60000',
      RETENTION_INTERVAL_MS: '3600000',
    });
  });
  afterAll(() => deployment.stop());

  const withSteps = async (status: 'PENDING' | 'COMPLETED', minutesAgo: number) => {
    const id = await deployment.insertSaga({ state: 'DEBITING', overdueSeconds: -3600 });
    if (status !== 'PENDING')
      await deployment
        .db('payments')
        .where({ id })
        .update({
          status,
          saga_state: 'DONE',
          deadline_at: null,
          completed_at: deployment.db.raw(`now() - make_interval(mins => ?)`, [minutesAgo]),
        });
    await deployment.db('saga_steps').insert(
      ['payment.requested', 'reservation.confirm', 'wallet.debit'].map((step) => ({
        payment_id: id,
        step,
        status: 'SENT',
        message_id: uuid(),
        at: deployment.db.raw(`now() - make_interval(mins => ?)`, [minutesAgo]),
      })),
    );
    return id;
  };
  const steps = async (id: string) =>
    Number(
      (
        (await deployment.db('saga_steps').where({ payment_id: id }).count('* as n').first()) as {
          n: string;
        }
      ).n,
    );

  it('when a saga ended longer ago than the window, then its timeline goes and the payment stays; a younger or running saga keeps its timeline', async () => {
    const old = await withSteps('COMPLETED', 120);
    const recent = await withSteps('COMPLETED', 10);
    const running = await withSteps('PENDING', 120);

    expect(await payment.queries.forgetEndedTimelines(60)).toBe(3);

    expect(await steps(old)).toBe(0);
    expect(await deployment.db('payments').where({ id: old }).first()).toMatchObject({
      status: 'COMPLETED',
    });
    expect(await steps(recent)).toBe(3);
    expect(await steps(running)).toBe(3);
    expect(await payment.queries.forgetEndedTimelines(60)).toBe(0);
  });
});
