import { concert, type DataOf } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { AppError, BoundedMemory } from '@ticketing/platform';
import { HandlerTable, migratedTestDatabase, uuid } from '@ticketing/testing';
import { migrations } from '../migrations';
import { ReservationRepository } from '../src/data-access/reservation-repository';
import { SeatHolds } from '../src/domain/holds';
import { TakenSeats } from '../src/domain/taken-seats';
import { messageHandlers } from '../src/entry-points/messaging/handlers';
import { reservationsWith } from '../src/start';
import { bookableSchedule } from './harness';

/**
 * A hold on a date this process read moments ago is decided on the date as remembered, in one
 * statement, and written only while the date is still that version: holds as start.ts wires
 * them, on a real database (the repository's reads observed, never replaced).
 */
describe('a hold on a date this process remembers', () => {
  let database: Awaited<ReturnType<typeof migratedTestDatabase>>;
  let table: HandlerTable;
  let holds: SeatHolds;
  const prechecks = jest.spyOn(ReservationRepository.prototype, 'holdPrecheck');

  beforeAll(async () => {
    database = await migratedTestDatabase('reservation', migrations);
    const remembering = reservationsWith({
      holds: new BoundedMemory(100),
      schedules: new BoundedMemory(100),
    });
    table = new HandlerTable('reservation', database.db, messageHandlers(remembering));
    holds = new SeatHolds(database.db, remembering, 300, new TakenSeats(0));
  });
  afterAll(async () => {
    prechecks.mockRestore();
    await database.drop();
  });

  /** A date published through concert.events, as in production; its ids are this test's own. */
  const publishDate = async (change: Partial<DataOf<typeof concert.schedulePublished>> = {}) => {
    const date = bookableSchedule(change);
    await table.deliver(buildMessage(concert.schedulePublished, date, { source: 'concert' }));
    return date;
  };
  const hold = (date: { scheduleId: number; concertId: number }, seatNo: number) =>
    holds.hold({ userId: uuid(), concertId: date.concertId }, date.scheduleId, seatNo);
  const prechecksOf = (scheduleId: number) =>
    prechecks.mock.calls.filter(([id]) => id === scheduleId).length;

  it('when a second fan holds a seat of a date the first hold read, then the date is not read again, and the hold is stored and announced at its price', async () => {
    const date = await publishDate();
    await hold(date, 1);
    expect(prechecksOf(date.scheduleId)).toBe(1);
    const second = await hold(date, 2);
    expect(prechecksOf(date.scheduleId)).toBe(1);
    const row = await database.knex('reservations').where({ id: second.reservationId }).first();
    expect(row).toMatchObject({ status: 'HELD', seat_no: 2, price: 77_000 });
    const announced = await database
      .knex('outbox')
      .whereRaw(`envelope::jsonb->'data'->>'reservationId' = ?`, [second.reservationId]);
    expect(announced.map((o: { type: string }) => o.type)).toEqual(['reservation.held']);
    expect(JSON.parse(announced[0].envelope as string).data).toMatchObject({
      price: 77_000,
      heldUntil: second.heldUntil.toISOString(),
      seatVersion: Number(row.seat_version),
    });
  });

  it('when the date changed since it was remembered (a new price), then the hold reads it again and takes the new price', async () => {
    const date = await publishDate();
    await hold(date, 1);
    await publishDate({ ...date, price: 88_000, revision: 2 });
    const second = await hold(date, 2);
    expect(prechecksOf(date.scheduleId)).toBe(2);
    expect(second.price).toBe(88_000);
  });

  it('when the date was cancelled since it was remembered, then the hold is refused as the date stands, with nothing written', async () => {
    const date = await publishDate();
    await hold(date, 1);
    await publishDate({ ...date, status: 'CANCELLED', revision: 2 });
    const refused = await hold(date, 2).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'SCHEDULE_NOT_BOOKABLE' });
    expect(
      await database.knex('reservations').where({ schedule_id: date.scheduleId, seat_no: 2 }),
    ).toEqual([]);
  });

  it('when the remembered seat is taken meanwhile, then the refusal is the one a read gives: seat unavailable', async () => {
    const date = await publishDate();
    await hold(date, 1);
    const taken = await hold(date, 2);
    const refused = await hold(date, 2).catch((err: unknown) => err);
    expect(refused).toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    expect(
      await database.knex('reservations').where({ schedule_id: date.scheduleId, seat_no: 2 }),
    ).toMatchObject([{ id: taken.reservationId, status: 'HELD' }]);
  });
});
