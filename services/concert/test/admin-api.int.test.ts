import { type Knex } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { TopicCapture, eventually, identifiedUser, uuid } from '@ticketing/testing';
import { startConcert, tokenFor, topicNamespace, type ConcertFixture } from './harness';

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/** Catalog administration (operators with scope ticketing:admin), against the real provider. */
describe('catalog administration', () => {
  let fx: ConcertFixture;
  let db: Knex;
  let events: TopicCapture;
  let admin: string;
  let fan: string;

  beforeAll(async () => {
    fx = await startConcert();
    db = createDb({ url: fx.databaseUrl, applicationName: 'test' });
    events = await TopicCapture.start([(await topicNamespace()).name('concert.events')]);
    admin = (await identifiedUser({ admin: true })).identity;
    fan = (await identifiedUser()).identity;
  });
  afterAll(async () => {
    await events?.stop();
    await db?.destroy();
    await fx?.stop();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${fx.service.url}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const newConcert = async () =>
    (await call('POST', '/concerts', admin, { title: `Show ${uuid()}`, artist: 'A', venue: 'V' }))
      .body.concertId as number;
  const published = (scheduleId: number) =>
    events.where(
      (m) =>
        m.envelope?.type === 'concert.schedule-published' &&
        (m.envelope.data as { scheduleId: number }).scheduleId === scheduleId,
    );

  it('when an operator creates a concert, then it is in the catalog; the same again is a conflict', async () => {
    const concert = { title: `Show ${uuid()}`, artist: 'The Band', venue: 'Hall' };
    const created = await call('POST', '/concerts', admin, concert);
    expect(created).toMatchObject({ status: 201, body: concert });
    const list = await call('GET', '/concerts');
    expect(list.body.items).toContainEqual({ concertId: created.body.concertId, ...concert });
    expect(await call('POST', '/concerts', admin, concert)).toMatchObject({
      status: 409,
      body: { code: 'CONCERT_EXISTS' },
    });
  });

  it.each([
    ['a fan without the operator scope', () => fan, 403, 'FORBIDDEN'],
    ['no credential', () => undefined, 401, 'TOKEN_MISSING'],
  ])(
    'when %s publishes, then it is refused and nothing is created',
    async (_who, token, status, code) => {
      const title = `Show ${uuid()}`;
      expect(
        await call('POST', '/concerts', token(), { title, artist: 'A', venue: 'V' }),
      ).toMatchObject({
        status,
        body: { code },
      });
      expect(await db('concerts').where({ title })).toHaveLength(0);
    },
  );

  it('when an operator adds a date, then it has its seats and sales window, and is announced', async () => {
    const concertId = await newConcert();
    const salesOpenAt = inDays(1);
    const res = await call('POST', `/concerts/${concertId}/schedules`, admin, {
      startsAt: inDays(30),
      price: 77_000,
      seats: 12,
      salesOpenAt,
    });
    expect(res).toMatchObject({
      status: 201,
      body: {
        concertId,
        price: 77_000,
        totalSeats: 12,
        availableSeats: 12,
        salesOpenAt,
        status: 'OPEN',
      },
    });
    const scheduleId = res.body.scheduleId as number;
    expect(await db('seats').where({ schedule_id: scheduleId })).toHaveLength(12);
    await eventually(() => expect(published(scheduleId)).toHaveLength(1));
    // Listed, but not among the dates that can be booked yet.
    const { token } = await tokenFor(concertId);
    const all = await call('GET', `/concerts/${concertId}/schedules`, token);
    expect((all.body.items as { scheduleId: number }[]).map((s) => s.scheduleId)).toEqual([
      scheduleId,
    ]);
    const bookable = await call('GET', `/concerts/${concertId}/schedules?available=true`, token);
    expect(bookable.body.items).toEqual([]);
  });

  it.each([
    ['a date in the past', { startsAt: inDays(-1), price: 1, seats: 1 }, 400],
    [
      'sales opening after the date',
      { startsAt: inDays(3), price: 1, seats: 1, salesOpenAt: inDays(4) },
      400,
    ],
    [
      'sales opening in the past',
      { startsAt: inDays(3), price: 1, seats: 1, salesOpenAt: inDays(-1) },
      400,
    ],
    ['51 seats', { startsAt: inDays(3), price: 1, seats: 51 }, 400],
    ['a price of 0', { startsAt: inDays(3), price: 0, seats: 1 }, 400],
    ['a price that is not an integer', { startsAt: inDays(3), price: 1.5, seats: 1 }, 400],
  ])('when an operator adds %s, then 400 and nothing is created', async (_what, body, status) => {
    const concertId = await newConcert();
    expect((await call('POST', `/concerts/${concertId}/schedules`, admin, body)).status).toBe(
      status,
    );
    expect(await db('schedules').where({ concert_id: concertId })).toHaveLength(0);
  });

  it('when a date exists at that time or the concert does not, then 409 and 404', async () => {
    const concertId = await newConcert();
    const date = { startsAt: inDays(10), price: 1000, seats: 5 };
    expect((await call('POST', `/concerts/${concertId}/schedules`, admin, date)).status).toBe(201);
    expect(await call('POST', `/concerts/${concertId}/schedules`, admin, date)).toMatchObject({
      status: 409,
      body: { code: 'SCHEDULE_EXISTS' },
    });
    expect((await call('POST', `/concerts/2000000000/schedules`, admin, date)).status).toBe(404);
  });

  it('when an operator changes a date before its sales open, then it is changed and announced; once open, 409', async () => {
    const concertId = await newConcert();
    const created = await call('POST', `/concerts/${concertId}/schedules`, admin, {
      startsAt: inDays(20),
      price: 10_000,
      seats: 3,
      salesOpenAt: inDays(2),
    });
    const scheduleId = created.body.scheduleId as number;
    const path = `/concerts/${concertId}/schedules/${scheduleId}`;
    const changed = await call('PATCH', path, admin, { price: 12_000, salesOpenAt: inDays(1) });
    expect(changed).toMatchObject({ status: 200, body: { price: 12_000 } });
    await eventually(() => expect(published(scheduleId)).toHaveLength(2));
    expect((await call('PATCH', path, fan, { price: 1 })).status).toBe(403);
    // A date already on sale keeps its price.
    const onSale = await call('POST', `/concerts/${concertId}/schedules`, admin, {
      startsAt: inDays(21),
      price: 10_000,
      seats: 3,
    });
    expect(
      await call('PATCH', `/concerts/${concertId}/schedules/${onSale.body.scheduleId}`, admin, {
        price: 1,
      }),
    ).toMatchObject({ status: 409, body: { code: 'SALES_ALREADY_OPEN' } });
  });

  it('when an operator cancels a date with a sold seat, then 409; without, it is cancelled', async () => {
    const concertId = await newConcert();
    const add = async (days: number) =>
      (
        await call('POST', `/concerts/${concertId}/schedules`, admin, {
          startsAt: inDays(days),
          price: 1000,
          seats: 2,
        })
      ).body.scheduleId as number;
    const sold = await add(40);
    const free = await add(41);
    await db('seats')
      .where({ schedule_id: sold, seat_no: 1 })
      .update({ status: 'RESERVED', version: 1 });
    expect(await call('DELETE', `/concerts/${concertId}/schedules/${sold}`, admin)).toMatchObject({
      status: 409,
      body: { code: 'SCHEDULE_HAS_SOLD_SEATS' },
    });
    expect(await call('DELETE', `/concerts/${concertId}/schedules/${free}`, admin)).toMatchObject({
      status: 200,
      body: { status: 'CANCELLED' },
    });
    await eventually(() =>
      expect(
        published(free).some(
          (m) => (m.envelope!.data as { status: string }).status === 'CANCELLED',
        ),
      ).toBe(true),
    );
  });
});
