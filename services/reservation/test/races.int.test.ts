import type { ReservationServiceHandle } from '../src/start';
import { ReservationDeployment, call, tokenFor } from './harness';

describe('races across two instances', () => {
  let deployment: ReservationDeployment;
  let a: ReservationServiceHandle;
  let b: ReservationServiceHandle;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    a = await deployment.startInstance({ DB_POOL_MAX: '20' });
    b = await deployment.startInstance({ DB_POOL_MAX: '20' });
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
