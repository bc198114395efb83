import type { PgNotifications } from '@ticketing/platform/wiring';
import { PaymentEndings } from '../src/data-access/payment-endings';
import type { PaymentRepository } from '../src/domain/repositories';
import type { Payment } from '../src/domain/payment';
import { PaymentQueries } from '../src/domain/payment-queries';
import type { Database } from '@ticketing/platform';

const pending: Payment = {
  paymentId: '6b0f7c1e-7a43-4a39-9a0b-2f1c0e6d4c11',
  reservationId: '0d6c1b1e-2f4a-4c5e-8a57-3b9e4f6a7c21',
  userId: 'fan',
  tokenId: 'token',
  concertId: 1,
  amount: null,
  status: 'PENDING',
  failureCode: null,
  state: 'CONFIRMING',
  pendingFailure: null,
  deadlineAt: new Date(),
  createdAt: new Date(),
  completedAt: null,
  idempotencyKey: null,
  requestHash: null,
  traceId: null,
};
const completed: Payment = {
  ...pending,
  amount: 70_000,
  status: 'COMPLETED',
  state: 'EXPIRING_TOKEN',
  completedAt: new Date(),
};

/**
 * Prefer: wait, as the payment service answers it: a saga that ends in this process hands the
 * waiting request the payment as stored; one that ended elsewhere is read after its notification.
 * The notification connection and the repository are stand-ins that count what is asked of them.
 */
describe('waiting for a payment to end', () => {
  function setUp(stored: Payment) {
    const channels = new Map<string, (payload: string) => void>();
    const notifications = {
      on: (channel: string, listener: (payload: string) => void) => {
        channels.set(channel, listener);
        return () => channels.delete(channel);
      },
      onGap: () => undefined,
    } as unknown as PgNotifications;
    const reads: string[] = [];
    const repository = {
      find: (paymentId: string) => {
        reads.push(paymentId);
        return Promise.resolve(stored);
      },
    } as unknown as PaymentRepository;
    const endings = new PaymentEndings(notifications);
    const queries = new PaymentQueries({} as Database, () => repository, endings);
    return { endings, queries, reads, notify: (id: string) => channels.get('payment_ended')!(id) };
  }

  it('when the saga ends in this process, then the waiting request answers with it and reads nothing', async () => {
    const { endings, queries, reads } = setUp(pending);
    const answer = queries.awaitEnd(pending, 5000);
    endings.ended(completed);
    expect(await answer).toBe(completed);
    expect(reads).toEqual([]);
  });

  it('when another instance ended it (a notification), then the waiting request reads it once', async () => {
    const { queries, reads, notify } = setUp(completed);
    const answer = queries.awaitEnd(pending, 5000);
    notify(pending.paymentId);
    expect(await answer).toEqual(completed);
    expect(reads).toEqual([pending.paymentId]);
  });

  it('when another payment ends, then the waiting request keeps waiting until its own does', async () => {
    const { endings, queries } = setUp(pending);
    let answered = false;
    const answer = queries.awaitEnd(pending, 5000).then((p) => {
      answered = true;
      return p;
    });
    endings.ended({ ...completed, paymentId: 'another' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    endings.ended(completed);
    expect(await answer).toBe(completed);
  });
});
