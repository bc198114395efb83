import { randomUUID } from 'node:crypto';
import { wallet } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { checkedSent } from '../src/sent-messages';

const debit = () =>
  buildMessage(
    wallet.debitWallet,
    { paymentId: randomUUID(), userId: randomUUID(), amount: 1000 },
    { source: 'payment' },
  );

describe('checkedSent: messages held against the contracts and topics', () => {
  it('when the payment service sends a debit to wallet.commands, then it is read back as sent', () => {
    const message = debit();
    expect(checkedSent('payment', [message])).toEqual([
      {
        topic: 'wallet.commands',
        type: 'wallet.debit',
        data: message.envelope.data,
        envelope: message.envelope,
      },
    ]);
  });

  it('when a message goes to another topic than its contract names, then it fails', () => {
    expect(() => checkedSent('payment', [{ ...debit(), topic: 'reservation.commands' }])).toThrow(
      'wallet.debit goes to wallet.commands, not reservation.commands',
    );
  });

  it('when a service sends on a topic it may not write, then it fails', () => {
    expect(() => checkedSent('wallet', [debit()])).toThrow('wallet may not write wallet.commands');
  });

  it('when the data breaks the contract or the type is unknown, then it fails', () => {
    const bad = debit();
    (bad.envelope.data as { amount: number }).amount = -1;
    expect(() => checkedSent('payment', [bad])).toThrow(/breaks its contract/);
    const unknown = debit();
    unknown.envelope.type = 'wallet.debit-twice';
    expect(() => checkedSent('payment', [unknown])).toThrow(/not a message of the catalogue/);
  });
});
