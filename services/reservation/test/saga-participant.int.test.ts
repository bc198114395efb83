import { concert, reservation as contracts, type DataOf } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { BoundedMemory } from '@ticketing/platform';
import { HandlerTable, migratedTestDatabase, randomIntId, uuid } from '@ticketing/testing';
import { migrations } from '../migrations';
import { noMemory } from '../src/data-access/reservation-rows';
import { SeatHolds } from '../src/domain/holds';
import { TakenSeats } from '../src/domain/taken-seats';
import { messageHandlers } from '../src/entry-points/messaging/handlers';
import { reservationsIn, reservationsWith } from '../src/start';
import { bookableSchedule } from './harness';

/**
 * The reservation's saga commands delivered to its handler table on a real database, with the
 * real inbox and outbox and no broker: what each command does to the seat and what it answers,
 * on which topic. (`saga-commands.int` keeps one test of the same through Kafka.)
 */
describe('reservation saga participant, without a broker', () => {
  let database: Awaited<ReturnType<typeof migratedTestDatabase>>;
  let table: HandlerTable;
  let holds: SeatHolds;
  const concertId = randomIntId();
  const scheduleId = randomIntId();

  beforeAll(async () => {
    database = await migratedTestDatabase('reservation', migrations);
    table = new HandlerTable('reservation', database.db, messageHandlers(reservationsIn));
    holds = new SeatHolds(database.db, reservationsIn, 300, new TakenSeats(0));
    // The schedule reaches the replica as it does in production: concert.events, same table.
    const published = bookableSchedule({ scheduleId, concertId });
    await table.deliver(buildMessage(concert.schedulePublished, published, { source: 'concert' }));
  });
  afterAll(() => database.drop());

  let nextSeat = 1;
  const hold = async () => {
    const userId = uuid();
    const held = await holds.hold({ userId, concertId }, scheduleId, nextSeat++);
    return { userId, reservationId: held.reservationId };
  };
  const command = <
    C extends typeof contracts.confirmReservation | typeof contracts.revertConfirmation,
  >(
    contract: C,
    data: DataOf<C>,
  ) => buildMessage(contract, data, { source: 'payment', correlationId: data.paymentId });
  const confirm = (data: DataOf<typeof contracts.confirmReservation>) =>
    command(contracts.confirmReservation, data);
  const revert = (reservationId: string, paymentId: string) =>
    command(contracts.revertConfirmation, { reservationId, paymentId });
  const row = (id: string) => database.knex('reservations').where({ id }).first();

  it('when a held seat is confirmed, redelivered and asked again by the same payment, then it is confirmed once and answered twice identically', async () => {
    const { userId, reservationId } = await hold();
    const paymentId = uuid();
    const message = confirm({ reservationId, userId, paymentId, concertId });
    expect(await table.deliver(message)).toBe('applied');
    expect(await table.deliver(message)).toBe('duplicate');
    await table.deliver(confirm({ reservationId, userId, paymentId }));
    const [first, second, ...more] = await table.sent(paymentId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ topic: 'reservation.events', type: 'reservation.confirmed' });
    expect(first!.data).toMatchObject({ reservationId, paymentId, price: 77_000 });
    expect(first!.envelope.causationId).toBe(message.envelope.id);
    expect(second!.data).toEqual(first!.data);
    const stored = await row(reservationId);
    expect(stored).toMatchObject({ status: 'CONFIRMED', payment_id: paymentId });
    expect(Number(stored.seat_version)).toBe((first!.data as { seatVersion: number }).seatVersion);
  });

  it('when one confirmation is delivered five times at once, then the seat is confirmed once, with one new seat version, and answered once', async () => {
    const { userId, reservationId } = await hold();
    const before = await row(reservationId);
    const paymentId = uuid();
    const message = confirm({ reservationId, userId, paymentId, concertId });
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => table.deliver(message)));
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(4);
    const after = await row(reservationId);
    expect(after).toMatchObject({ status: 'CONFIRMED', payment_id: paymentId });
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => s.type)).toEqual(['reservation.confirmed']);
    // The answer carries the version the seat took, the one the seat map will keep.
    expect(sent[0]!.data).toMatchObject({ seatVersion: Number(after.seat_version) });
    expect(Number(after.seat_version)).toBeGreaterThan(Number(before.seat_version));
  });

  it('when a confirmation is taken in one statement or in the transaction, then the seat and the answer are the same', async () => {
    const [alone, inTransaction] = [await hold(), await hold()];
    const [paidAlone, paidInTransaction] = [uuid(), uuid()];
    const before = table.settledInOneStatement;
    await table.deliver(confirm({ ...alone, paymentId: paidAlone, concertId }));
    expect(table.settledInOneStatement).toBe(before + 1);
    await table.deliver(confirm({ ...inTransaction, paymentId: paidInTransaction, concertId }), {
      transactionOnly: true,
    });
    const [a, b] = [(await table.sent(paidAlone))[0]!, (await table.sent(paidInTransaction))[0]!];
    const shape = (data: Record<string, unknown>, r: { seat_version: string; seat_no: number }) => {
      expect(data).toMatchObject({ seatVersion: Number(r.seat_version), seatNo: r.seat_no });
      const {
        reservationId: _r,
        userId: _u,
        paymentId: _p,
        seatNo: _n,
        seatVersion: _v,
        ...rest
      } = data;
      return rest;
    };
    expect([a.type, b.type]).toEqual(['reservation.confirmed', 'reservation.confirmed']);
    expect(shape(a.data, await row(alone.reservationId))).toEqual(
      shape(b.data, await row(inTransaction.reservationId)),
    );
    expect((await row(alone.reservationId)).status).toBe('CONFIRMED');
    expect((await row(inTransaction.reservationId)).status).toBe('CONFIRMED');
  });

  it('when the reservation is written between the read and the move (another writer), then the move does not take it: the revision stands for the lock', async () => {
    const { userId, reservationId } = await hold();
    const paymentId = uuid();
    // Another writer changes the hold after a reader saw it, in a way the move does not check
    // by itself (still HELD, still in time): only the revision tells the move it is not the
    // version the decision was made on.
    const seen = await reservationsIn(database.db).current(reservationId);
    await database
      .knex('reservations')
      .where({ id: reservationId })
      .update({ held_until: database.knex.raw(`held_until + interval '1 minute'`) });
    const announce = buildMessage(
      contracts.reservationConfirmed,
      { reservationId, userId, paymentId, scheduleId, seatNo: 1, seatVersion: 1, price: 1 },
      { source: 'reservation', correlationId: paymentId },
    );
    const inbox = { consumer: 'reservation', messageId: uuid(), type: 'reservation.confirm' };
    const moved = await reservationsIn(database.db).confirmIfUnchanged(
      { reservationId, revision: seen!.revision },
      paymentId,
      announce,
      inbox,
    );
    expect(moved).toBeUndefined();
    expect(await table.sent(paymentId)).toEqual([]);
    expect(await database.knex('inbox').where({ message_id: inbox.messageId })).toEqual([]);
    // Released meanwhile, the confirmation delivered now is answered as the seat stands.
    await database
      .knex('reservations')
      .where({ id: reservationId })
      .update({ status: 'RELEASED', release_reason: 'CANCELLED' });
    await table.deliver(confirm({ reservationId, userId, paymentId, concertId }));
    expect((await table.sent(paymentId)).map((s) => [s.type, s.data.reason])).toEqual([
      ['reservation.confirm-rejected', 'NOT_HELD'],
    ]);
    expect((await row(reservationId)).status).toBe('RELEASED');
  });

  describe('with the holds this process made remembered (as start.ts wires it)', () => {
    const remembering = reservationsWith({ ...noMemory(), holds: new BoundedMemory(100) });
    let tableRemembering: HandlerTable;
    let holdsRemembering: SeatHolds;
    beforeAll(() => {
      tableRemembering = new HandlerTable('reservation', database.db, messageHandlers(remembering));
      holdsRemembering = new SeatHolds(database.db, remembering, 300, new TakenSeats(0));
    });
    const holdRemembered = async () => {
      const userId = uuid();
      const held = await holdsRemembering.hold({ userId, concertId }, scheduleId, nextSeat++);
      return { userId, reservationId: held.reservationId };
    };
    const moveBehindItsBack = (reservationId: string, change: Record<string, unknown>) =>
      database.knex('reservations').where({ id: reservationId }).update(change);

    it('when a hold this process made is confirmed, then it is confirmed in one statement, with the seat version it took', async () => {
      const { userId, reservationId } = await holdRemembered();
      const paymentId = uuid();
      const before = tableRemembering.settledInOneStatement;
      await tableRemembering.deliver(confirm({ reservationId, userId, paymentId, concertId }));
      expect(tableRemembering.settledInOneStatement).toBe(before + 1);
      const [answer, ...more] = await table.sent(paymentId);
      expect(more).toEqual([]);
      expect(answer?.type).toBe('reservation.confirmed');
      const stored = await row(reservationId);
      expect(stored).toMatchObject({ status: 'CONFIRMED', payment_id: paymentId });
      expect((answer!.data as { seatVersion: number }).seatVersion).toBe(
        Number(stored.seat_version),
      );
    });

    it('when the remembered hold was changed since (still held), then the memory is not believed: the transaction confirms it', async () => {
      const { userId, reservationId } = await holdRemembered();
      const paymentId = uuid();
      // A change the move does not check by itself: only the remembered revision is stale, so a
      // read would have confirmed in one statement; the memory sends it to the transaction.
      await moveBehindItsBack(reservationId, {
        held_until: database.knex.raw(`held_until + interval '1 minute'`),
      });
      const before = tableRemembering.settledInOneStatement;
      expect(
        await tableRemembering.deliver(confirm({ reservationId, userId, paymentId, concertId })),
      ).toBe('applied');
      expect(tableRemembering.settledInOneStatement).toBe(before);
      expect((await table.sent(paymentId)).map((m) => m.type)).toEqual(['reservation.confirmed']);
      expect(await row(reservationId)).toMatchObject({
        status: 'CONFIRMED',
        payment_id: paymentId,
      });
    });

    it('when the remembered hold was released since, then the confirmation is rejected NOT_HELD and the seat stays released', async () => {
      const { userId, reservationId } = await holdRemembered();
      const paymentId = uuid();
      await moveBehindItsBack(reservationId, { status: 'RELEASED', release_reason: 'CANCELLED' });
      await tableRemembering.deliver(confirm({ reservationId, userId, paymentId, concertId }));
      expect((await table.sent(paymentId)).map((s) => [s.type, s.data.reason])).toEqual([
        ['reservation.confirm-rejected', 'NOT_HELD'],
      ]);
      expect((await row(reservationId)).status).toBe('RELEASED');
    });
  });

  it('when the hold has run out, then the seat is released and the confirmation rejected EXPIRED, both caused by it', async () => {
    const { userId, reservationId } = await hold();
    await database
      .knex('reservations')
      .where({ id: reservationId })
      .update({ held_until: database.knex.raw(`now() - interval '1 second'`) });
    const paymentId = uuid();
    const message = confirm({ reservationId, userId, paymentId });
    await table.deliver(message);
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => s.type)).toEqual([
      'reservation.released',
      'reservation.confirm-rejected',
    ]);
    expect(sent.every((s) => s.envelope.causationId === message.envelope.id)).toBe(true);
    expect(sent[1]!.data).toMatchObject({ reason: 'EXPIRED' });
    expect(await row(reservationId)).toMatchObject({
      status: 'RELEASED',
      release_reason: 'EXPIRED',
    });
  });

  it.each([
    [
      'another user',
      'FORBIDDEN',
      (r: { userId: string; reservationId: string }) => ({ ...r, userId: uuid() }),
    ],
    [
      'another concert',
      'FORBIDDEN',
      (r: { userId: string; reservationId: string }) => ({ ...r, concertId: concertId + 1 }),
    ],
    [
      'an unknown reservation',
      'NOT_FOUND',
      (r: { userId: string; reservationId: string }) => ({ ...r, reservationId: uuid() }),
    ],
  ] as const)(
    'when a payment of %s confirms the seat, then it is rejected %s and the seat stays HELD',
    async (_who, reason, change) => {
      const held = await hold();
      const paymentId = uuid();
      await table.deliver(confirm({ ...change(held), paymentId }));
      const [answer, ...more] = await table.sent(paymentId);
      expect(more).toEqual([]);
      expect(answer).toMatchObject({ type: 'reservation.confirm-rejected', data: { reason } });
      expect(await row(held.reservationId)).toMatchObject({ status: 'HELD', payment_id: null });
    },
  );

  it('when a confirmation is reverted while the hold lasts, then the seat is HELD again; a second revert changes nothing', async () => {
    const { userId, reservationId } = await hold();
    const paymentId = uuid();
    await table.deliver(confirm({ reservationId, userId, paymentId }));
    await table.deliver(revert(reservationId, paymentId));
    expect(await row(reservationId)).toMatchObject({ status: 'HELD', payment_id: null });
    await table.deliver(revert(reservationId, paymentId));
    const sent = await table.sent(paymentId);
    expect(sent.map((s) => [s.type, s.data.status, s.data.reverted])).toEqual([
      ['reservation.confirmed', undefined, undefined],
      ['reservation.confirmation-reverted', 'HELD', true],
      ['reservation.confirmation-reverted', 'HELD', false],
    ]);
  });

  it('when a revert names a reservation this service never had, then it is acknowledged as nothing to revert', async () => {
    const paymentId = uuid();
    const reservationId = uuid();
    await table.deliver(revert(reservationId, paymentId));
    expect(await table.sent(paymentId)).toMatchObject([
      {
        topic: 'reservation.events',
        type: 'reservation.confirmation-reverted',
        data: { reservationId, paymentId, status: 'NOT_FOUND', reverted: false },
      },
    ]);
  });
});
