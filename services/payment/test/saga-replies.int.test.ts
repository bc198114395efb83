import { reservation } from '@ticketing/contracts';
import { buildMessage, type HandlerEntry, type TxContext } from '@ticketing/messaging';
import { inboxUnitOfWork } from '@ticketing/messaging/wiring';
import { HandlerTable, migratedTestDatabase, uuid } from '@ticketing/testing';
import { migrations } from '../migrations';
import { PaymentRepository } from '../src/data-access/payment-repository';
import { RecentPayments } from '../src/data-access/recent-payments';
import { PaymentRequests } from '../src/domain/payment-requests';
import type { PaymentsIn } from '../src/domain/repositories';
import { SagaDriver } from '../src/domain/saga-driver';
import { messageHandlers } from '../src/entry-points/messaging/handlers';

const STEP_TIMEOUT_MS = 30_000;

/**
 * The saga's replies delivered to the payment's handler table on a real database, with the real
 * inbox and outbox and no broker. A reply is tried in one statement, decided on the payment as
 * this process last stored it; these tests hold what that must never do: move a saga another
 * instance moved since, or move one twice for one reply.
 */
describe('payment saga replies, without a broker', () => {
  let database: Awaited<ReturnType<typeof migratedTestDatabase>>;
  let table: HandlerTable;
  let requests: PaymentRequests;
  let paymentsIn: PaymentsIn;
  let handlers: HandlerEntry<TxContext>[];

  beforeAll(async () => {
    database = await migratedTestDatabase('payment', migrations);
    const recent = new RecentPayments(100);
    paymentsIn = (executor) => new PaymentRepository(executor, recent);
    const saga = new SagaDriver(database.db, paymentsIn, { stepTimeoutMs: STEP_TIMEOUT_MS });
    requests = new PaymentRequests(database.db, paymentsIn, { stepTimeoutMs: STEP_TIMEOUT_MS });
    handlers = messageHandlers(saga);
    table = new HandlerTable('payment', database.db, handlers);
  });
  afterAll(() => database.drop());

  /** A payment requested through this process: its saga is CONFIRMING, and remembered. */
  async function requested() {
    const fan = { userId: uuid(), tokenId: uuid(), concertId: 7 };
    const { payment } = await requests.request(fan, uuid());
    return payment;
  }

  const confirmed = (payment: { paymentId: string; reservationId: string; userId: string }) =>
    buildMessage(
      reservation.reservationConfirmed,
      {
        reservationId: payment.reservationId,
        userId: payment.userId,
        paymentId: payment.paymentId,
        scheduleId: 1,
        seatNo: 1,
        seatVersion: 2,
        price: 50_000,
      },
      { source: 'reservation', correlationId: payment.paymentId },
    );

  const stored = (paymentId: string) =>
    database.knex('payments').where({ id: paymentId }).first<{
      saga_state: string;
      amount: number | null;
      deadline_at: Date;
      db_now: Date;
    }>('saga_state', 'amount', 'deadline_at', database.knex.raw('now() as db_now'));
  const timeline = (paymentId: string) =>
    database
      .knex('saga_steps')
      .where({ payment_id: paymentId })
      .orderBy('id')
      .select<{ step: string; status: string }[]>('step', 'status');
  const sentTypes = async (paymentId: string) => (await table.sent(paymentId)).map((s) => s.type);

  /**
   * The saga was moved to DEBITING behind this process's back: the seat's confirmation, delivered
   * now, is declined by the one-statement path (decided under the row's lock instead) and, as
   * stored, ignored. As remembered (CONFIRMING) it would have sent a debit.
   */
  async function expectConfirmationDecidedAsStored(payment: Parameters<typeof confirmed>[0]) {
    const before = table.settledInOneStatement;
    expect(await table.deliver(confirmed(payment))).toBe('applied');
    expect(table.settledInOneStatement).toBe(before);
    expect(await stored(payment.paymentId)).toMatchObject({ saga_state: 'DEBITING' });
    expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm']);
    expect((await timeline(payment.paymentId)).at(-1)).toEqual({
      step: 'reservation.confirmed',
      status: 'IGNORED',
    });
  }

  it('when the seat is confirmed, then the saga debits: its state, deadline, timeline, inbox record and command written together', async () => {
    const payment = await requested();
    const message = confirmed(payment);
    const before = table.settledInOneStatement;
    expect(await table.deliver(message)).toBe('applied');
    // Remembered as this process stored it: one statement, no transaction.
    expect(table.settledInOneStatement).toBe(before + 1);
    const row = await stored(payment.paymentId);
    expect(row).toMatchObject({ saga_state: 'DEBITING', amount: 50_000 });
    // The deadline is the database's clock plus the step timeout, within the test's round trips.
    const ahead = row!.deadline_at.getTime() - row!.db_now.getTime();
    expect(ahead).toBeGreaterThan(STEP_TIMEOUT_MS - 5000);
    expect(ahead).toBeLessThanOrEqual(STEP_TIMEOUT_MS);
    expect(await timeline(payment.paymentId)).toEqual([
      { step: 'payment.requested', status: 'RECEIVED' },
      { step: 'reservation.confirm', status: 'SENT' },
      { step: 'reservation.confirmed', status: 'RECEIVED' },
      { step: 'wallet.debit', status: 'SENT' },
    ]);
    expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm', 'wallet.debit']);
    const inbox = await database.knex('inbox').where({ message_id: message.envelope.id });
    expect(inbox).toHaveLength(1);
  });

  it('when another instance moved the saga since this process stored it, then the reply is decided on the saga as stored, not as remembered', async () => {
    const payment = await requested();
    // Another instance took the seat's confirmation first (a redelivery it handled).
    await database
      .knex('payments')
      .where({ id: payment.paymentId })
      .update({ saga_state: 'DEBITING', amount: 50_000 });
    await expectConfirmationDecidedAsStored(payment);
  });

  it('when one transaction saved the saga and then wrote it again, then the reply is decided on the second write, not on the remembered first', async () => {
    const payment = await requested();
    // The save is remembered at the commit; the write after it, by the same transaction, is
    // not: both versions have the same writer (xmin), only their place (ctid) tells them apart.
    await database.db.transaction(async (tx) => {
      const repo = paymentsIn(tx);
      await repo.save((await repo.find(payment.paymentId))!, []);
      await tx.knex('payments').where({ id: payment.paymentId }).update({
        saga_state: 'DEBITING',
        amount: 50_000,
      });
    });
    await expectConfirmationDecidedAsStored(payment);
  });

  it('when one reply is delivered five times at once, then the saga moves once and sends one command; the other deliveries are skipped by the inbox', async () => {
    const payment = await requested();
    const message = confirmed(payment);
    const before = table.settledInOneStatement;
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => table.deliver(message)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(4);
    expect(table.settledInOneStatement - before).toBeLessThanOrEqual(1);
    expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm', 'wallet.debit']);
    expect((await timeline(payment.paymentId)).map((s) => s.step)).toEqual([
      'payment.requested',
      'reservation.confirm',
      'reservation.confirmed',
      'wallet.debit',
    ]);
  });

  it('when two different replies race for one saga, then each is decided on the state the other left: the saga moves once per reply it accepts', async () => {
    const payment = await requested();
    // Two deliveries of the same event under different message ids (a participant's retry).
    const [first, second] = [confirmed(payment), confirmed(payment)];
    const outcomes = await Promise.all([table.deliver(first), table.deliver(second)]);
    expect(outcomes).toEqual(['applied', 'applied']);
    expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm', 'wallet.debit']);
    const steps = await timeline(payment.paymentId);
    expect(
      steps
        .filter((s) => s.step === 'reservation.confirmed')
        .map((s) => s.status)
        .sort(),
    ).toEqual(['IGNORED', 'RECEIVED']);
  });

  it('when replies arrive together (a consumer under load), then each is taken in one statement inside the batch, and a second reply for a saga the batch moved is decided on what the batch wrote', async () => {
    const [first, other] = [await requested(), await requested()];
    const before = table.settledInOneStatement;
    const outcomes = await table.deliverTogether([
      confirmed(first),
      confirmed(other),
      confirmed(first), // a participant's retry, under another message id
    ]);
    expect(outcomes).toEqual(['applied', 'applied', 'applied']);
    // The retry found the saga as the batch left it (not yet remembered): under the row's lock.
    expect(table.settledInOneStatement - before).toBe(2);
    for (const payment of [first, other]) {
      expect(await stored(payment.paymentId)).toMatchObject({ saga_state: 'DEBITING' });
      expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm', 'wallet.debit']);
    }
    expect(
      (await timeline(first.paymentId))
        .filter((s) => s.step === 'reservation.confirmed')
        .map((s) => s.status),
    ).toEqual(['RECEIVED', 'IGNORED']);
    const writers = await database
      .knex('payments')
      .whereIn('id', [first.paymentId, other.paymentId])
      .select<{ xmin: string }[]>(database.knex.raw('xmin::text as xmin'));
    expect(new Set(writers.map((w) => w.xmin)).size).toBe(1);
  });

  it('when a batch rolls back, then what it wrote is not remembered: the next reply is still taken in one statement', async () => {
    const payment = await requested();
    const message = confirmed(payment);
    const entry = handlers.find((h) => h.contract.type === message.envelope.type)!;
    // The confirmation is taken in the batch's transaction, which then fails as a whole.
    await expect(
      inboxUnitOfWork(database.db, 'payment', 'payment').executeBatch!([
        {
          message: message.envelope,
          run: (ctx) => entry.handle(message.envelope, ctx),
          alone: (ctx) => entry.alone!(message.envelope, ctx),
        },
        {
          message: confirmed(payment).envelope,
          run: () => Promise.reject(new Error('a message the batch cannot take')),
        },
      ]),
    ).rejects.toThrow('a message the batch cannot take');
    expect(await stored(payment.paymentId)).toMatchObject({ saga_state: 'CONFIRMING' });
    // Remembered as stored (CONFIRMING), not as the rolled-back batch wrote it (DEBITING).
    const before = table.settledInOneStatement;
    expect(await table.deliver(message)).toBe('applied');
    expect(table.settledInOneStatement).toBe(before + 1);
    expect(await stored(payment.paymentId)).toMatchObject({ saga_state: 'DEBITING' });
    expect(await sentTypes(payment.paymentId)).toEqual(['reservation.confirm', 'wallet.debit']);
  });
});
