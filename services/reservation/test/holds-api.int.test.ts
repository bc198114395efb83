import { TOPICS } from '@ticketing/contracts';
import { TopicCapture, eventually, identityToken, tamperedCursors } from '@ticketing/testing';
import type { ReservationServiceHandle } from '../src/start';
import { ReservationDeployment, call, tokenFor, topicNamespace, uuid } from './harness';

describe('reservation API', () => {
  let deployment: ReservationDeployment;
  let svc: ReservationServiceHandle;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    svc = await deployment.startInstance();
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.reservationEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await deployment.stop();
  });

  const eventsOf = (reservationId: string) =>
    events.where(
      (m) => (m.envelope?.data as { reservationId?: string })?.reservationId === reservationId,
    );

  it('when an ACTIVE fan holds a free seat, then 201 HELD with price and heldUntil ~5 minutes ahead, stored and announced', async () => {
    const schedule = await deployment.publishSchedule();
    const fan = await tokenFor(schedule.concertId);
    const before = Date.now();
    const res = await call('POST', `${svc.url}/reservations`, fan.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 7,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      userId: fan.userId,
      scheduleId: schedule.scheduleId,
      seatNo: 7,
      price: 77_000,
      status: 'HELD',
    });
    const heldFor = Date.parse(res.body.heldUntil as string) - before;
    expect(heldFor).toBeGreaterThan(295_000);
    expect(heldFor).toBeLessThan(305_000);
    const id = res.body.reservationId as string;
    const row = await deployment.db('reservations').where({ id }).first();
    expect(row).toMatchObject({ status: 'HELD', seat_no: 7 });
    await eventually(() =>
      expect(eventsOf(id).map((m) => m.envelope!.type)).toEqual(['reservation.held']),
    );
    // The announcement carries the stored end and seat version, as the fan got them.
    expect(eventsOf(id)[0]!.envelope!.data).toEqual({
      reservationId: id,
      userId: fan.userId,
      scheduleId: schedule.scheduleId,
      seatNo: 7,
      price: 77_000,
      heldUntil: res.body.heldUntil,
      seatVersion: Number(row.seat_version),
    });
    expect(res.body.heldUntil).toBe((row.held_until as Date).toISOString());
  });

  it('when the seat is taken, then 409 SEAT_UNAVAILABLE; when the fan already holds one, then 409 HOLD_LIMIT_REACHED', async () => {
    const schedule = await deployment.publishSchedule();
    const first = await tokenFor(schedule.concertId);
    const second = await tokenFor(schedule.concertId);
    expect(
      (
        await call('POST', `${svc.url}/reservations`, first.token, {
          scheduleId: schedule.scheduleId,
          seatNo: 1,
        })
      ).status,
    ).toBe(201);
    const taken = await call('POST', `${svc.url}/reservations`, second.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 1,
    });
    expect(taken).toMatchObject({ status: 409, body: { code: 'SEAT_UNAVAILABLE' } });
    const greedy = await call('POST', `${svc.url}/reservations`, first.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 2,
    });
    expect(greedy).toMatchObject({ status: 409, body: { code: 'HOLD_LIMIT_REACHED' } });
  });

  it.each([
    ['seat 0', { seatNo: 0 }, 'body.seatNo'],
    ['seat 51', { seatNo: 51 }, 'body.seatNo'],
    ['a fractional seat', { seatNo: 1.5 }, 'body.seatNo'],
    ['a seat as a string', { seatNo: '3' }, 'body.seatNo'],
    ['no schedule', { scheduleId: undefined }, 'body.scheduleId'],
  ])(
    'when the body has %s, then 400 VALIDATION_FAILED naming the field, and nothing is written',
    async (_what, change, field) => {
      const schedule = await deployment.publishSchedule();
      const fan = await tokenFor(schedule.concertId);
      const res = await call('POST', `${svc.url}/reservations`, fan.token, {
        scheduleId: schedule.scheduleId,
        seatNo: 3,
        ...change,
      });
      expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(res.body.detail).toContain(field);
      expect(
        await deployment.db('reservations').where({ schedule_id: schedule.scheduleId }),
      ).toHaveLength(0);
    },
  );

  it('when the schedule is unknown, then 404; when it is not open for booking, then 409 SCHEDULE_NOT_BOOKABLE', async () => {
    const schedule = await deployment.publishSchedule();
    const fan = await tokenFor(schedule.concertId);
    expect(
      (
        await call('POST', `${svc.url}/reservations`, fan.token, {
          scheduleId: 2_100_000_000,
          seatNo: 1,
        })
      ).status,
    ).toBe(404);
    await deployment.publishSchedule({ ...schedule, status: 'CLOSED', revision: 2 } as never);
    const closed = await call('POST', `${svc.url}/reservations`, fan.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 1,
    });
    expect(closed).toMatchObject({
      status: 409,
      body: { code: 'SCHEDULE_NOT_BOOKABLE', reason: 'CLOSED' },
    });
  });

  it("when the token is for another concert than the schedule's, then 403 FORBIDDEN", async () => {
    const schedule = await deployment.publishSchedule();
    const other = await tokenFor(schedule.concertId + 1);
    const res = await call('POST', `${svc.url}/reservations`, other.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 1,
    });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('when the owner reads the reservation, then 200; another user gets 403; an unknown id 404; a malformed id 400', async () => {
    const schedule = await deployment.publishSchedule();
    const owner = await tokenFor(schedule.concertId);
    const held = await call('POST', `${svc.url}/reservations`, owner.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 9,
    });
    const id = held.body.reservationId as string;
    expect(await call('GET', `${svc.url}/reservations/${id}`, owner.token)).toEqual({
      status: 200,
      body: held.body,
    });
    const stranger = await tokenFor(schedule.concertId);
    expect((await call('GET', `${svc.url}/reservations/${id}`, stranger.token)).status).toBe(403);
    expect((await call('GET', `${svc.url}/reservations/${uuid()}`, owner.token)).status).toBe(404);
    expect((await call('GET', `${svc.url}/reservations/not-a-uuid`, owner.token)).status).toBe(400);
    expect((await call('GET', `${svc.url}/reservations/${id}`)).status).toBe(401);
  });

  it("when the owner reads with their identity (the pass spent or not), then 200; another user's identity gets 403", async () => {
    const schedule = await deployment.publishSchedule();
    const owner = await tokenFor(schedule.concertId);
    const held = await call('POST', `${svc.url}/reservations`, owner.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 21,
    });
    const id = held.body.reservationId as string;
    expect(held.body).toMatchObject({ concertId: schedule.concertId });
    const mine = await call(
      'GET',
      `${svc.url}/reservations/${id}`,
      await identityToken(owner.userId),
    );
    expect(mine).toEqual({ status: 200, body: held.body });
    const theirs = await call('GET', `${svc.url}/reservations/${id}`, await identityToken());
    expect(theirs).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // Releasing takes the queue pass: an identity is the wrong kind of credential there.
    const release = await call(
      'DELETE',
      `${svc.url}/reservations/${id}`,
      await identityToken(owner.userId),
    );
    expect(release).toMatchObject({ status: 401, body: { code: 'TOKEN_INVALID' } });
  });

  it('when a fan lists their reservations, then only their own come, newest first, a page at a time, filtered by status', async () => {
    const fan = uuid();
    const identity = await identityToken(fan);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const schedule = await deployment.publishSchedule();
      const pass = await tokenFor(schedule.concertId, fan);
      const held = await call('POST', `${svc.url}/reservations`, pass.token, {
        scheduleId: schedule.scheduleId,
        seatNo: 3,
      });
      expect(held.status).toBe(201);
      ids.push(held.body.reservationId as string);
      // One live hold per fan: give it back before the next one.
      if (i < 4) await call('DELETE', `${svc.url}/reservations/${ids[i]}`, pass.token);
    }
    const other = await deployment.publishSchedule();
    await call('POST', `${svc.url}/reservations`, (await tokenFor(other.concertId)).token, {
      scheduleId: other.scheduleId,
      seatNo: 3,
    });

    const seen: string[] = [];
    let cursor: string | undefined;
    let firstCursor: string | undefined;
    do {
      const page = await call(
        'GET',
        `${svc.url}/reservations?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        identity,
      );
      expect(page.status).toBe(200);
      const items = page.body.items as { reservationId: string; userId: string }[];
      expect(items.length).toBeLessThanOrEqual(2);
      expect(items.every((r) => r.userId === fan)).toBe(true);
      seen.push(...items.map((r) => r.reservationId));
      cursor = page.body.nextCursor as string | undefined;
      firstCursor ??= cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    for (const [how, tampered] of Object.entries(tamperedCursors(firstCursor!))) {
      const res = await call('GET', `${svc.url}/reservations?cursor=${tampered}`, identity);
      expect({ how, status: res.status, code: res.body.code }).toEqual({
        how,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }

    const held = await call('GET', `${svc.url}/reservations?status=HELD`, identity);
    expect((held.body.items as { reservationId: string }[]).map((r) => r.reservationId)).toEqual([
      ids[4],
    ]);
    expect(await call('GET', `${svc.url}/reservations?status=CONFIRMED`, identity)).toEqual({
      status: 200,
      body: { items: [] },
    });
    for (const bad of ['status=PAID', 'limit=0', 'limit=101', 'cursor=bogus'])
      expect((await call('GET', `${svc.url}/reservations?${bad}`, identity)).status).toBe(400);
    expect((await call('GET', `${svc.url}/reservations`)).status).toBe(401);
  });

  it('when a WAITING pass sends a malformed body, then 400 before 403 (API.md: credential, shape, admission)', async () => {
    const schedule = await deployment.publishSchedule();
    const waiting = await tokenFor(schedule.concertId, undefined, 'WAITING');
    const res = await call('POST', `${svc.url}/reservations`, waiting.token, { seatNo: 'x' });
    expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const valid = await call('POST', `${svc.url}/reservations`, waiting.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 1,
    });
    expect(valid).toMatchObject({ status: 403, body: { code: 'TOKEN_NOT_ACTIVE', position: 1 } });
  });

  it('when the owner releases a held seat, then 204, RELEASED (CANCELLED), announced, and the seat is free for others', async () => {
    const schedule = await deployment.publishSchedule();
    const owner = await tokenFor(schedule.concertId);
    const held = await call('POST', `${svc.url}/reservations`, owner.token, {
      scheduleId: schedule.scheduleId,
      seatNo: 11,
    });
    const id = held.body.reservationId as string;
    expect((await call('DELETE', `${svc.url}/reservations/${id}`, owner.token)).status).toBe(204);
    expect((await call('GET', `${svc.url}/reservations/${id}`, owner.token)).body).toMatchObject({
      status: 'RELEASED',
      releaseReason: 'CANCELLED',
    });
    expect((await call('DELETE', `${svc.url}/reservations/${id}`, owner.token)).status).toBe(204); // twice is fine
    const next = await tokenFor(schedule.concertId);
    expect(
      (
        await call('POST', `${svc.url}/reservations`, next.token, {
          scheduleId: schedule.scheduleId,
          seatNo: 11,
        })
      ).status,
    ).toBe(201);
    await eventually(() =>
      expect(eventsOf(id).map((m) => m.envelope!.type)).toEqual([
        'reservation.held',
        'reservation.released',
      ]),
    );
  });
});
