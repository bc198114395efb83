import { type Knex } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import type { Schedule } from '../src/domain/catalog-records';
import { get, startConcert, tokenFor, type ConcertFixture } from './harness';

const DAY = 86_400_000;

describe('concert API', () => {
  let fx: ConcertFixture;
  let db: Knex;
  let concertId: number;
  let otherConcertId: number;
  let bookable: Schedule;
  let past: Schedule;
  let closed: Schedule;
  let soldOut: Schedule;

  beforeAll(async () => {
    fx = await startConcert();
    db = createDb({ url: fx.databaseUrl, applicationName: 'test' });
    [{ id: concertId }, { id: otherConcertId }] = await db('concerts')
      .insert([
        { title: 'Test Tour', artist: 'Testers', venue: 'Hall A' },
        { title: 'Other Tour', artist: 'Others', venue: 'Hall B' },
      ])
      .returning('id');
    const at = (days: number) => new Date(Date.now() + days * DAY);
    const add = (days: number, extra: object = {}) =>
      fx.service.catalog.addSchedule({
        concertId,
        startsAt: at(days),
        bookingOpensAt: at(-30),
        bookingClosesAt: at(days - 0.5),
        price: 99_000,
        ...extra,
      }) as Promise<Schedule>;
    bookable = await add(10);
    closed = await add(11);
    await fx.service.catalog.changeScheduleStatus(closed.scheduleId, 'CLOSED');
    soldOut = await add(12);
    await db('seats')
      .where({ schedule_id: soldOut.scheduleId })
      .update({ status: 'RESERVED', version: 1 });
    past = await add(-2, { bookingClosesAt: at(-3) });
    await db('seats')
      .where({ schedule_id: bookable.scheduleId })
      .whereIn('seat_no', [1, 2])
      .update({ status: 'HELD', version: 1 });
    await db('seats')
      .where({ schedule_id: bookable.scheduleId, seat_no: 3 })
      .update({ status: 'RESERVED', version: 1 });
  });
  afterAll(async () => {
    await db.destroy();
    await fx.stop();
  });

  it('when anyone lists concerts, then the catalog is returned without a token', async () => {
    const res = await get(`${fx.service.url}/concerts`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        { concertId, title: 'Test Tour', artist: 'Testers', venue: 'Hall A' },
      ]),
    );
  });

  it('when an ACTIVE fan asks for dates, then every date comes with price, 50 seats and how many are available', async () => {
    const { token } = await tokenFor(concertId);
    const res = await get(`${fx.service.url}/concerts/${concertId}/schedules`, token);
    expect(res.status).toBe(200);
    expect(res.body.concertId).toBe(concertId);
    expect(res.body.items.map((s) => s.scheduleId)).toEqual(
      [past, bookable, closed, soldOut].map((s) => s.scheduleId),
    );
    expect(res.body.items.find((s) => s.scheduleId === bookable.scheduleId)).toEqual({
      scheduleId: bookable.scheduleId,
      startsAt: bookable.startsAt.toISOString(),
      price: 99_000,
      totalSeats: 50,
      availableSeats: 47,
      salesOpenAt: bookable.bookingOpensAt.toISOString(),
      status: 'OPEN',
    });
  });

  it('when asked for available dates only, then past, closed and sold-out dates are left out', async () => {
    const { token } = await tokenFor(concertId);
    const res = await get(
      `${fx.service.url}/concerts/${concertId}/schedules?available=true`,
      token,
    );
    expect(res.body.items.map((s) => s.scheduleId)).toEqual([bookable.scheduleId]);
  });

  it('when asked for the seat map, then seats 1..50 come with status and price; available=true keeps AVAILABLE ones', async () => {
    const { token } = await tokenFor(concertId);
    const all = await get(
      `${fx.service.url}/concerts/${concertId}/schedules/${bookable.scheduleId}/seats`,
      token,
    );
    expect(all.status).toBe(200);
    expect(all.body.items.map((s) => s.seatNo)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(all.body.items.slice(0, 4)).toEqual([
      { seatNo: 1, status: 'HELD', price: 99_000 },
      { seatNo: 2, status: 'HELD', price: 99_000 },
      { seatNo: 3, status: 'RESERVED', price: 99_000 },
      { seatNo: 4, status: 'AVAILABLE', price: 99_000 },
    ]);
    const available = await get(
      `${fx.service.url}/concerts/${concertId}/schedules/${bookable.scheduleId}/seats?available=true`,
      token,
    );
    expect(available.body.items).toHaveLength(47);
    expect(available.body.items.every((s) => s.status === 'AVAILABLE')).toBe(true);
  });

  it.each([
    ['no token', undefined, 401, 'TOKEN_MISSING'],
    ['a garbage token', 'x.y.z', 401, 'TOKEN_INVALID'],
  ])('when the fan has %s, then %i %s', async (_what, token, status, code) => {
    const res = await get(`${fx.service.url}/concerts/${concertId}/schedules`, token);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
  });

  it("when the token is for another concert, then 403 FORBIDDEN on this concert's dates and seats", async () => {
    const { token } = await tokenFor(otherConcertId);
    expect((await get(`${fx.service.url}/concerts/${concertId}/schedules`, token)).body.code).toBe(
      'FORBIDDEN',
    );
    const seats = await get(
      `${fx.service.url}/concerts/${concertId}/schedules/${bookable.scheduleId}/seats`,
      token,
    );
    expect(seats.status).toBe(403);
  });

  it('when the concert or schedule is unknown, then 404 NOT_FOUND', async () => {
    const unknownConcert = 2_000_000_000;
    const { token } = await tokenFor(unknownConcert);
    expect(
      (await get(`${fx.service.url}/concerts/${unknownConcert}/schedules`, token)).status,
    ).toBe(404);
    const own = await tokenFor(concertId);
    expect(
      (await get(`${fx.service.url}/concerts/${concertId}/schedules/2000000000/seats`, own.token))
        .status,
    ).toBe(404);
    // A schedule of another concert is not found under this one.
    const other = await tokenFor(otherConcertId);
    expect(
      (
        await get(
          `${fx.service.url}/concerts/${otherConcertId}/schedules/${bookable.scheduleId}/seats`,
          other.token,
        )
      ).status,
    ).toBe(404);
  });

  it.each([
    [
      'a non-numeric schedule id',
      (c: number) => `/concerts/${c}/schedules/abc/seats`,
      'path.scheduleId',
    ],
    [
      'a bad available flag',
      (c: number) => `/concerts/${c}/schedules?available=yes`,
      'query.available',
    ],
    ['a zero schedule id', (c: number) => `/concerts/${c}/schedules/0/seats`, 'path.scheduleId'],
  ])(
    'when the request has %s, then 400 VALIDATION_FAILED naming it',
    async (_what, path, field) => {
      const { token } = await tokenFor(concertId);
      const res = await get(`${fx.service.url}${path(concertId)}`, token);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(res.body.detail).toContain(field);
    },
  );
});
