import { reservation } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { eventually, uuid } from '@ticketing/testing';
import type { ConcertServiceHandle } from '../src/start';
import { ConcertDeployment, tokenFor } from './harness';

const DAY = 86_400_000;
// Far longer than any wait below: only the projection's announcement can refresh a map.
const CACHE_MS = '60000';

/**
 * Every instance serves seat maps from its own memory (issue: the seat map at the framework's
 * speed); a change made by the projection on any instance reaches all of them at once.
 */
describe('seat maps served from memory, refreshed by the projection', () => {
  let deployment: ConcertDeployment;
  let instances: ConcertServiceHandle[];
  let concertId: number;
  let pass: string;

  beforeAll(async () => {
    deployment = await ConcertDeployment.create();
    instances = [
      await deployment.startInstance({ SEAT_MAP_CACHE_MS: CACHE_MS }),
      await deployment.startInstance({ SEAT_MAP_CACHE_MS: CACHE_MS }),
    ];
    [{ id: concertId }] = await deployment
      .db('concerts')
      .insert({ title: 'Cache', artist: 'C', venue: 'V' })
      .returning('id');
    pass = (await tokenFor(concertId)).token;
  }, 60_000);
  afterAll(async () => {
    await deployment?.stop();
  });

  const newSchedule = async () =>
    (await instances[0]!.catalog.addSchedule({
      concertId,
      startsAt: new Date(Date.now() + 20 * DAY + Math.random() * DAY),
      bookingOpensAt: new Date(Date.now() - DAY),
      bookingClosesAt: new Date(Date.now() + 10 * DAY),
      price: 1000,
    }))!.scheduleId;

  const seats = async (instance: ConcertServiceHandle, scheduleId: number, etag?: string) => {
    const res = await fetch(`${instance.url}/concerts/${concertId}/schedules/${scheduleId}/seats`, {
      headers: { authorization: `Bearer ${pass}`, ...(etag && { 'if-none-match': etag }) },
    });
    const text = await res.text();
    return {
      status: res.status,
      etag: res.headers.get('etag') ?? undefined,
      text,
      statusOf: (seatNo: number) =>
        (JSON.parse(text) as { items: { seatNo: number; status: string }[] }).items.find(
          (s) => s.seatNo === seatNo,
        )?.status,
    };
  };

  /** The event the reservation service publishes when a fan holds a seat. */
  const holdSeat = async (scheduleId: number, seatNo: number) =>
    deployment.send(
      buildMessage(
        reservation.reservationHeld,
        {
          reservationId: uuid(),
          userId: uuid(),
          scheduleId,
          seatNo,
          seatVersion: 1,
          price: 1000,
          heldUntil: new Date(Date.now() + 300_000).toISOString(),
        },
        { source: 'test' },
      ),
    );

  it('when a seat is held, then every instance stops offering it although each had the map in memory', async () => {
    const scheduleId = await newSchedule();
    for (const instance of instances)
      expect((await seats(instance, scheduleId)).statusOf(7)).toBe('AVAILABLE');
    await holdSeat(scheduleId, 7);
    // The maps may live 60 s; the projection's NOTIFY is what makes each instance read again.
    await eventually(
      async () => {
        for (const instance of instances)
          expect((await seats(instance, scheduleId)).statusOf(7)).toBe('HELD');
      },
      { timeoutMs: 15_000 },
    );
  });

  it('when a client sends the ETag it has, then 304 until the map changes, then the new map', async () => {
    const scheduleId = await newSchedule();
    const first = await seats(instances[0]!, scheduleId);
    expect(first.status).toBe(200);
    expect(first.etag).toMatch(/^"[\w-]+"$/);
    // The tag is the content's: the other instance answers the same one.
    expect((await seats(instances[1]!, scheduleId)).etag).toBe(first.etag);
    const unchanged = await seats(instances[1]!, scheduleId, first.etag);
    expect(unchanged.status).toBe(304);
    expect(unchanged.text).toBe('');
    await holdSeat(scheduleId, 3);
    await eventually(async () => {
      const changed = await seats(instances[1]!, scheduleId, first.etag);
      expect(changed.status).toBe(200);
      expect(changed.etag).not.toBe(first.etag);
      expect(changed.statusOf(3)).toBe('HELD');
    });
  });
});
