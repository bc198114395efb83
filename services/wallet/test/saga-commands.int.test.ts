import { TOPICS } from '@ticketing/contracts';
import { TopicCapture, eventually, uuid } from '@ticketing/testing';
import type { WalletServiceHandle } from '../src/start';
import { WalletDeployment, charge, getAs, topicNamespace } from './harness';

describe('wallet saga commands', () => {
  let deployment: WalletDeployment;
  let svc: WalletServiceHandle;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await WalletDeployment.create();
    svc = await deployment.startInstance();
    await deployment.startInstance(); // two instances share the command topic's partitions
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.walletEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await deployment.stop();
  });

  const replies = (paymentId: string) =>
    events.where((m) => m.envelope?.correlationId === paymentId).map((m) => m.envelope!);

  it('when 100 debits of 1,000 meet a balance of 50,000, then exactly 50 succeed, the balance ends at 0 and never went negative', async () => {
    const userId = uuid();
    await charge(svc.url, userId, 50_000);
    const payments = Array.from({ length: 100 }, () => uuid());
    await deployment.send(...payments.map((p) => deployment.debit(p, userId, 1000)));
    await eventually(() => payments.forEach((p) => expect(replies(p)).toHaveLength(1)), {
      timeoutMs: 30_000,
    });
    const outcomes = payments.map((p) => replies(p)[0]!.type);
    expect(outcomes.filter((t) => t === 'wallet.debited')).toHaveLength(50);
    expect(outcomes.filter((t) => t === 'wallet.debit-rejected')).toHaveLength(50);
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(0);
    expect(await deployment.db('ledger').where({ user_id: userId, type: 'DEBIT' })).toHaveLength(
      50,
    );
    for (const p of payments.filter((_, i) => outcomes[i] === 'wallet.debit-rejected')) {
      expect(replies(p)[0]!.data).toMatchObject({ reason: 'INSUFFICIENT_BALANCE' });
    }
  });

  it('when the same debit arrives twice (a saga retry), then it is taken once and both answers are the same', async () => {
    const userId = uuid();
    await charge(svc.url, userId, 10_000);
    const paymentId = uuid();
    await deployment.send(deployment.debit(paymentId, userId, 3000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(1), { timeoutMs: 30_000 });
    await deployment.send(deployment.debit(paymentId, userId, 3000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    const [first, second] = replies(paymentId);
    expect(first!.type).toBe('wallet.debited');
    expect(second!.data).toEqual(first!.data);
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(7000);
  });

  it('when the cancel arrives before the debit, then the late debit is refused and nothing is taken', async () => {
    const userId = uuid();
    await charge(svc.url, userId, 10_000);
    const paymentId = uuid();
    await deployment.send(deployment.cancel(paymentId, userId));
    await eventually(
      () => expect(replies(paymentId).map((r) => r.type)).toEqual(['wallet.debit-cancelled']),
      { timeoutMs: 30_000 },
    );
    expect(replies(paymentId)[0]!.data).toMatchObject({ refundedAmount: 0, transactionId: null });
    await deployment.send(deployment.debit(paymentId, userId, 3000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    expect(replies(paymentId)[1]).toMatchObject({
      type: 'wallet.debit-rejected',
      data: { reason: 'CANCELLED' },
    });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(10_000);
  });

  it('when the cancel arrives after the debit, then it is refunded exactly once, however often cancelled', async () => {
    const userId = uuid();
    await charge(svc.url, userId, 10_000);
    const paymentId = uuid();
    await deployment.send(deployment.debit(paymentId, userId, 4000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(1), { timeoutMs: 30_000 });
    await deployment.send(deployment.cancel(paymentId, userId));
    await deployment.send(deployment.cancel(paymentId, userId));
    await eventually(
      () =>
        expect(replies(paymentId).filter((r) => r.type === 'wallet.debit-cancelled')).toHaveLength(
          2,
        ),
      { timeoutMs: 30_000 },
    );
    expect(replies(paymentId).map((r) => r.type)).toEqual([
      'wallet.debited',
      'wallet.refunded',
      'wallet.debit-cancelled',
      'wallet.debit-cancelled',
    ]);
    const acks = replies(paymentId).filter((r) => r.type === 'wallet.debit-cancelled');
    expect(acks[0]!.data).toEqual(acks[1]!.data);
    expect(acks[0]!.data).toMatchObject({ refundedAmount: 4000 });
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(10_000);
    expect(await deployment.db('ledger').where({ user_id: userId, type: 'REFUND' })).toHaveLength(
      1,
    );
    const history = (await (
      await getAs(`${svc.url}/wallets/${userId}/transactions`, userId)
    ).json()) as {
      items: { type: string; paymentId?: string }[];
    };
    expect(history.items.map((t) => t.type)).toEqual(['REFUND', 'DEBIT', 'CHARGE']);
    expect(history.items[0]!.paymentId).toBe(paymentId);
  });
});
