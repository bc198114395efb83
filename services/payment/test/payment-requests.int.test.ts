import {
  FILE_KEY_PREFIX,
  grantActiveToken,
  randomIntId,
  testInfra,
  uuid,
} from '@ticketing/testing';
import type { PaymentServiceHandle } from '../src/start';
import { PaymentDeployment } from './harness';

// The payment service alone: no reservation service answers, so a payment stays PENDING.
describe('a payment asked for a reservation that already has a live one', () => {
  let deployment: PaymentDeployment;
  let payment: PaymentServiceHandle;

  beforeAll(async () => {
    deployment = await PaymentDeployment.create();
    payment = await deployment.startInstance();
  });
  afterAll(() => deployment.stop());

  const pass = (concertId: number) =>
    grantActiveToken({ redisUrl: testInfra().redisUrl, keyPrefix: FILE_KEY_PREFIX, concertId });

  const pay = async (token: string, reservationId: string) => {
    const res = await fetch(`${payment.url}/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reservationId }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("when another user's payment for it is in progress, then 409 PAYMENT_IN_PROGRESS without that payment's id; its payer is given the id", async () => {
    const concertId = randomIntId();
    const reservationId = uuid();
    const payer = await pass(concertId);
    const stranger = await pass(concertId);

    const first = await pay(payer.token, reservationId);
    expect(first).toMatchObject({ status: 202, body: { status: 'PENDING' } });

    const other = await pay(stranger.token, reservationId);
    expect(other).toMatchObject({ status: 409, body: { code: 'PAYMENT_IN_PROGRESS' } });
    expect(JSON.stringify(other.body)).not.toContain(String(first.body.paymentId));

    const again = await pay(payer.token, reservationId);
    expect(again).toMatchObject({
      status: 409,
      body: { code: 'PAYMENT_IN_PROGRESS', paymentId: first.body.paymentId },
    });
    // Neither refusal wrote a payment.
    expect(await deployment.db('payments').where({ reservation_id: reservationId })).toHaveLength(
      1,
    );
  });
});
