import { Deployment, serviceUnderTest, fileTopics, uuid } from '@ticketing/testing';
import { loadServiceConfig } from '../src/config';
import { start, type PaymentServiceHandle } from '../src/start';

export const topicNamespace = fileTopics;

const payment = serviceUnderTest('payment', loadServiceConfig, start);

/** One payment deployment for a test file: its database and any number of instances. */
export class PaymentDeployment extends Deployment<PaymentServiceHandle> {
  static async create(): Promise<PaymentDeployment> {
    return new PaymentDeployment(payment, await Deployment.databaseFor(payment));
  }

  /** A saga stored as the service would have left it, in `state`, due `ageSeconds` ago. */
  async insertSaga(saga: {
    state: 'CONFIRMING' | 'DEBITING' | 'CANCELLING_DEBIT' | 'REVERTING' | 'EXPIRING_TOKEN';
    userId?: string;
    overdueSeconds?: number;
  }): Promise<string> {
    const paymentId = uuid();
    await this.db('payments').insert({
      id: paymentId,
      reservation_id: uuid(),
      user_id: saga.userId ?? uuid(),
      token_id: uuid(),
      concert_id: 1,
      amount: saga.state === 'CONFIRMING' ? null : 10_000,
      status: 'PENDING',
      saga_state: saga.state,
      deadline_at: this.db.raw(`now() - make_interval(secs => ?)`, [saga.overdueSeconds ?? 1]),
    });
    return paymentId;
  }
}
