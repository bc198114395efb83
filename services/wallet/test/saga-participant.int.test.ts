import { HandlerTable, eventually, migratedTestDatabase, uuid } from '@ticketing/testing';
import { migrations } from '../migrations';
import { Wallets } from '../src/domain/charges';
import { messageHandlers } from '../src/entry-points/messaging/handlers';
import { walletRepositories } from '../src/start';
import { cancelCommand, debitCommand, expectBalanceIsLedgerSum } from './harness';

/**
 * The wallet's saga commands delivered to its handler table on a real database, with the real
 * inbox and outbox and no broker: what each command changes and what it answers, on which topic.
 * (`saga-commands.int` keeps one test of the same through Kafka.)
 */
describe('wallet saga participant, without a broker', () => {
  let database: Awaited<ReturnType<typeof migratedTestDatabase>>;
  let table: HandlerTable;
  let wallets: Wallets;

  beforeAll(async () => {
    database = await migratedTestDatabase('wallet', migrations);
    const repositories = walletRepositories();
    table = new HandlerTable('wallet', database.db, messageHandlers(repositories));
    wallets = new Wallets(database.db, repositories, {
      maxCharge: 10_000_000,
      maxBalance: 100_000_000,
    });
  });
  afterAll(() => database.drop());

  const debit = debitCommand;
  const cancel = cancelCommand;
  const expectLedger = (userId: string) => expectBalanceIsLedgerSum(database.knex, userId);
  /** A new fan whose wallet holds 10,000, and a debit of 3,000 for a new payment of theirs. */
  async function aDebitOf3000From10000() {
    const userId = uuid();
    await wallets.charge(userId, 10_000);
    const paymentId = uuid();
    return { userId, paymentId, command: debit(paymentId, userId, 3000) };
  }

  it('when 100 debits of 1,000 meet a balance of 50,000 at once, then exactly 50 are taken, each answered once on wallet.events, and the balance ends at 0 without going negative', async () => {
    const userId = uuid();
    await wallets.charge(userId, 50_000);
    const payments = Array.from({ length: 100 }, () => uuid());
    await Promise.all(payments.map((p) => table.deliver(debit(p, userId, 1000))));
    const answers = await Promise.all(payments.map((p) => table.sent(p)));
    for (const sent of answers) expect(sent).toHaveLength(1);
    const outcomes = answers.map(([a]) => a!);
    expect(outcomes.every((a) => a.topic === 'wallet.events')).toBe(true);
    expect(outcomes.filter((a) => a.type === 'wallet.debited')).toHaveLength(50);
    const rejected = outcomes.filter((a) => a.type === 'wallet.debit-rejected');
    expect(rejected).toHaveLength(50);
    for (const a of rejected) expect(a.data).toMatchObject({ reason: 'INSUFFICIENT_BALANCE' });
    expect(await expectLedger(userId)).toBe(0);
    expect(await database.knex('ledger').where({ user_id: userId, type: 'DEBIT' })).toHaveLength(
      50,
    );
  });

  it('when the same debit is delivered twice, then the second is skipped by the inbox; asked again (a new message), it is answered the same without a second debit', async () => {
    const { userId, paymentId, command } = await aDebitOf3000From10000();
    expect(await table.deliver(command)).toBe('applied');
    expect(await table.deliver(command)).toBe('duplicate');
    expect(await table.deliver(debit(paymentId, userId, 3000))).toBe('applied');
    const [first, second, ...more] = await table.sent(paymentId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ topic: 'wallet.events', type: 'wallet.debited' });
    expect(first!.data).toMatchObject({ paymentId, userId, amount: 3000, balance: 7000 });
    expect(first!.envelope.causationId).toBe(command.envelope.id);
    expect(second!.data).toEqual(first!.data);
    expect(await expectLedger(userId)).toBe(7000);
  });

  it('when one debit command is delivered five times at once, then it is taken once and answered once; the other deliveries are skipped by the inbox', async () => {
    const { userId, paymentId, command } = await aDebitOf3000From10000();
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => table.deliver(command)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(4);
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => s.type)).toEqual(['wallet.debited']);
    expect(sent[0]!.data).toMatchObject({ amount: 3000, balance: 7000 });
    expect(await expectLedger(userId)).toBe(7000);
  });

  it('when a debit is taken in one statement or in the transaction, then it changes and answers the same, taken or refused', async () => {
    const userId = uuid();
    await wallets.charge(userId, 5000);
    const [alone, inTransaction, refusedAlone, refusedInTransaction] = [1, 2, 3, 4].map(() =>
      uuid(),
    );
    const before = table.settledInOneStatement;
    await table.deliver(debit(alone!, userId, 2000));
    await table.deliver(debit(inTransaction!, userId, 2000), { transactionOnly: true });
    await table.deliver(debit(refusedAlone!, userId, 2000));
    expect(table.settledInOneStatement).toBe(before + 2);
    await table.deliver(debit(refusedInTransaction!, userId, 2000), { transactionOnly: true });
    const [a, b, c, d] = await Promise.all(
      [alone, inTransaction, refusedAlone, refusedInTransaction].map((p) => table.sent(p!)),
    );
    const { transactionId: _a, paymentId: _pa, ...takenAlone } = a![0]!.data;
    const { transactionId: _b, paymentId: _pb, ...takenInTransaction } = b![0]!.data;
    expect([a![0]!.type, b![0]!.type]).toEqual(['wallet.debited', 'wallet.debited']);
    expect(takenAlone).toEqual({ ...takenInTransaction, balance: 3000 });
    expect(takenInTransaction).toMatchObject({ balance: 1000 });
    const { paymentId: _pc, ...refused } = c![0]!.data;
    const { paymentId: _pd, ...refusedToo } = d![0]!.data;
    expect([c![0]!.type, d![0]!.type]).toEqual(['wallet.debit-rejected', 'wallet.debit-rejected']);
    expect(refused).toEqual(refusedToo);
    const debits = await database.knex('debits').whereIn('payment_id', [alone, inTransaction]);
    expect(debits.map((r: { status: string }) => r.status)).toEqual(['APPLIED', 'APPLIED']);
    expect(await expectLedger(userId)).toBe(1000);
  });

  it('when another writer debits the payment while a batch waits on its key, then the batch fails with that error and writes nothing; delivered again, the debit is answered once', async () => {
    const { userId, paymentId, command } = await aDebitOf3000From10000();
    let batch: Promise<unknown> | undefined;
    await database.db.transaction(async (tx) => {
      await walletRepositories().wallets(tx).debitForPayment(paymentId, userId, 3000);
      batch = table.deliverTogether([command]).then(
        () => undefined,
        (err: unknown) => err,
      );
      // The batch's statement waits on the debit's key until this transaction commits.
      await eventually(async () => {
        const [waiting] = await database.db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        );
        expect(waiting!.n).toBeGreaterThan(0);
      });
    });
    // In a transaction the key's error has aborted it: taken for a decline, the batch would go
    // on and fail later on the aborted transaction instead.
    expect(await batch).toMatchObject({ code: '23505', table: 'debits' });
    const inbox = await database.knex('inbox').where({ message_id: command.envelope.id });
    expect(inbox).toEqual([]);
    expect(await table.sent(paymentId)).toEqual([]);
    // Redelivered (the consumer takes a failed batch's messages one by one): answered as taken.
    expect(await table.deliver(command)).toBe('applied');
    const sent = await table.sent(paymentId);
    expect(sent.map((m) => m.type)).toEqual(['wallet.debited']);
    expect(await expectLedger(userId)).toBe(7000);
  });

  it('when the cancel arrives before the debit, then the late debit is refused CANCELLED and nothing is taken', async () => {
    const userId = uuid();
    await wallets.charge(userId, 10_000);
    const paymentId = uuid();
    await table.deliver(cancel(paymentId, userId));
    await table.deliver(debit(paymentId, userId, 3000));
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => s.type)).toEqual(['wallet.debit-cancelled', 'wallet.debit-rejected']);
    expect(sent[0]!.data).toMatchObject({ refundedAmount: 0, transactionId: null });
    expect(sent[1]!.data).toMatchObject({ reason: 'CANCELLED', amount: 3000 });
    expect(await expectLedger(userId)).toBe(10_000);
  });

  it('when the cancel arrives after the debit, then it is refunded exactly once, however often cancelled', async () => {
    const userId = uuid();
    await wallets.charge(userId, 10_000);
    const paymentId = uuid();
    await table.deliver(debit(paymentId, userId, 4000));
    await table.deliver(cancel(paymentId, userId));
    await table.deliver(cancel(paymentId, userId));
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => s.type)).toEqual([
      'wallet.debited',
      'wallet.refunded',
      'wallet.debit-cancelled',
      'wallet.debit-cancelled',
    ]);
    expect(sent[2]!.data).toEqual(sent[3]!.data);
    expect(sent[2]!.data).toMatchObject({ refundedAmount: 4000 });
    expect(await expectLedger(userId)).toBe(10_000);
    const history = await wallets.history(userId, 10);
    expect(history.items.map((t) => [t.type, t.paymentId])).toEqual([
      ['REFUND', paymentId],
      ['DEBIT', paymentId],
      ['CHARGE', null],
    ]);
  });

  it('when a debit breaks its contract, then it is refused before any handler runs and nothing is stored', async () => {
    const paymentId = uuid();
    const bad = debit(paymentId, uuid(), 1000);
    (bad.envelope.data as { amount: number }).amount = -5;
    await expect(table.deliver(bad)).rejects.toThrow(/SCHEMA_VIOLATION/);
    expect(await table.sent(paymentId)).toEqual([]);
    expect(await database.knex('inbox').where({ message_id: bad.envelope.id })).toHaveLength(0);
  });
});
