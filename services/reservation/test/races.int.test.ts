import type { ReservationServiceHandle } from '../src/start';
import { RACE_DB_POOL_MAX, eventually } from '@ticketing/testing';
import { ReservationDeployment, call, tokenFor } from './harness';

describe('races across two instances', () => {
  let deployment: ReservationDeployment;
  let a: ReservationServiceHandle;
  let b: ReservationServiceHandle;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    a = await deployment.startInstance({ DB_POOL_MAX: RACE_DB_POOL_MAX });
    b = await deployment.startInstance({ DB_POOL_MAX: RACE_DB_POOL_MAX });
  });
  afterAll(() => deployment.stop());

  it('when 200 fans race for one seat through two instances, then exactly one 201, 199 × 409, one live row', async () => {
    const schedule = await deployment.publishSchedule();
    const fans = await Promise.all(Array.from({ length: 200 }, () => tokenFor(schedule.concertId)));
    const results = await Promise.all(
      fans.map((fan, i) =>
        call('POST', `${(i % 2 ? a : b).url}/reservations`, fan.token, {
          scheduleId: schedule.scheduleId,
          seatNo: 13,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 409 && r.body.code === 'SEAT_UNAVAILABLE'),
    ).toHaveLength(199);
    const live = await deployment
      .db('reservations')
      .where({ schedule_id: schedule.scheduleId, seat_no: 13 })
      .whereIn('status', ['HELD', 'CONFIRMED']);
    expect(live).toHaveLength(1);
    expect(live[0].user_id).toBe(results.find((r) => r.status === 201)!.body.userId);
  });

  it('when one fan races for 100 different seats through two instances, then exactly one hold', async () => {
    const first = await deployment.publishSchedule();
    const second = await deployment.publishSchedule({ concertId: first.concertId });
    const fan = await tokenFor(first.concertId);
    const seats = [first, second].flatMap((s) =>
      Array.from({ length: 50 }, (_, i) => ({ scheduleId: s.scheduleId, seatNo: i + 1 })),
    );
    const results = await Promise.all(
      seats.map((seat, i) => call('POST', `${(i % 2 ? a : b).url}/reservations`, fan.token, seat)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 409 && r.body.code === 'HOLD_LIMIT_REACHED'),
    ).toHaveLength(99);
    expect(
      await deployment.db('reservations').where({ user_id: fan.userId, status: 'HELD' }),
    ).toHaveLength(1);
  });
});

describe('seats an instance saw taken (SEAT_TAKEN_CACHE_MS)', () => {
  let deployment: ReservationDeployment;
  let releaser: ReservationServiceHandle;
  let remembering: ReservationServiceHandle;
  let forgetful: ReservationServiceHandle;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    releaser = await deployment.startInstance({ SEAT_TAKEN_CACHE_MS: '60000' });
    remembering = await deployment.startInstance({ SEAT_TAKEN_CACHE_MS: '60000' });
    forgetful = await deployment.startInstance({ SEAT_TAKEN_CACHE_MS: '300' });
  });
  afterAll(() => deployment.stop());

  const hold = (instance: ReservationServiceHandle, token: string, scheduleId: number) =>
    call('POST', `${instance.url}/reservations`, token, { scheduleId, seatNo: 20 });

  it('when a seat is given back on one instance, then that instance offers it at once, one that saw it taken only after its cache time', async () => {
    const schedule = await deployment.publishSchedule();
    const [owner, second, third, fourth] = await Promise.all(
      Array.from({ length: 4 }, () => tokenFor(schedule.concertId)),
    );
    const held = await hold(releaser, owner!.token, schedule.scheduleId);
    expect(held.status).toBe(201);
    expect((await hold(remembering, second!.token, schedule.scheduleId)).body.code).toBe(
      'SEAT_UNAVAILABLE',
    );
    expect((await hold(forgetful, second!.token, schedule.scheduleId)).body.code).toBe(
      'SEAT_UNAVAILABLE',
    );

    const released = await call(
      'DELETE',
      `${releaser.url}/reservations/${String(held.body.reservationId)}`,
      owner!.token,
    );
    expect(released.status).toBe(204);
    // Still refused by the instance that remembers it taken for a minute, though the database says free…
    expect((await hold(remembering, second!.token, schedule.scheduleId)).body.code).toBe(
      'SEAT_UNAVAILABLE',
    );
    // …offered again by the one with a short cache time…
    await eventually(
      async () =>
        expect((await hold(forgetful, third!.token, schedule.scheduleId)).status).toBe(201),
      { intervalMs: 50 },
    );
    // …and the database still decides: the seat is taken again, so nobody else gets it anywhere.
    expect((await hold(releaser, fourth!.token, schedule.scheduleId)).body.code).toBe(
      'SEAT_UNAVAILABLE',
    );
    const live = await deployment
      .db('reservations')
      .where({ schedule_id: schedule.scheduleId, seat_no: 20 })
      .whereIn('status', ['HELD', 'CONFIRMED']);
    expect(live.map((r: { user_id: string }) => r.user_id)).toEqual([third!.userId]);
  });

  it('when a seat this instance remembers is asked for with a token of another concert, then 403, as without the cache', async () => {
    const schedule = await deployment.publishSchedule();
    const owner = await tokenFor(schedule.concertId);
    expect((await hold(remembering, owner.token, schedule.scheduleId)).status).toBe(201);
    const stranger = await tokenFor(schedule.concertId + 1);
    const res = await hold(remembering, stranger.token, schedule.scheduleId);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
  });
});
