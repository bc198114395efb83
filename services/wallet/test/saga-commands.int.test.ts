import { TOPICS } from '@ticketing/contracts';
import { TopicCapture, eventually, uuid } from '@ticketing/testing';
import type { WalletServiceHandle } from '../src/start';
import { WalletDeployment, charge, debitCommand, topicNamespace } from './harness';

/**
 * The wallet's saga commands through Kafka, two instances sharing the command topic: the path
 * a command takes in production (relay, broker, consumer, inbox). What each command does is
 * tested without a broker in `saga-participant.int`.
 */
describe('wallet saga commands through Kafka', () => {
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

  it('when the same debit arrives twice (a saga retry), then it is taken once and both answers are the same', async () => {
    const userId = uuid();
    await charge(svc.url, userId, 10_000);
    const paymentId = uuid();
    await deployment.send(debitCommand(paymentId, userId, 3000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(1), { timeoutMs: 30_000 });
    await deployment.send(debitCommand(paymentId, userId, 3000));
    await eventually(() => expect(replies(paymentId)).toHaveLength(2), { timeoutMs: 30_000 });
    const [first, second] = replies(paymentId);
    expect(first!.type).toBe('wallet.debited');
    expect(second!.data).toEqual(first!.data);
    expect(await deployment.expectBalanceIsLedgerSum(userId)).toBe(7000);
  });
});
