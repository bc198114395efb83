import { randomUUID } from 'node:crypto';
import { TOPICS } from '@ticketing/contracts';
import { Database } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { TopicCapture, countedDatabase, eventually } from '@ticketing/testing';
import { SeatHolds } from '../src/domain/holds';
import { TakenSeats } from '../src/domain/taken-seats';
import { reservationsIn, type ReservationServiceHandle } from '../src/start';
import { ReservationDeployment, call, tokenFor, topicNamespace } from './harness';

describe('hold expiry', () => {
  let events: TopicCapture;
  beforeAll(async () => {
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.reservationEvents)]);
  });
  afterAll(() => events.stop());
  const released = (reservationId: string) =>
    events.where(
      (m) =>
        m.envelope?.type === 'reservation.released' &&
        (m.envelope.data as { reservationId: string }).reservationId === reservationId,
    );

  describe('with two sweepers', () => {
    let deployment: ReservationDeployment;
    let a: ReservationServiceHandle;
    beforeAll(async () => {
      deployment = await ReservationDeployment.create();
      a = await deployment.startInstance({ HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: '100' });
      await deployment.startInstance({ HOLD_TTL_SECONDS: '1', HOLD_SWEEP_INTERVAL_MS: '100' });
    });
    afterAll(() => deployment.stop());

    it('when a 1-second hold runs out, then it is RELEASED (EXPIRED) and reservation.released is published exactly once', async () => {
      const schedule = await deployment.publishSchedule();
      const holds = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const fan = await tokenFor(schedule.concertId);
          const res = await call('POST', `${a.url}/reservations`, fan.token, {
            scheduleId: schedule.scheduleId,
            seatNo: i + 1,
          });
          expect(res.status).toBe(201);
          return { fan, id: res.body.reservationId as string };
        }),
      );
      await eventually(async () => {
        const rows = await deployment
          .db('reservations')
          .where({ schedule_id: schedule.scheduleId });
        expect(
          rows.every(
            (r: { status: string; release_reason: string }) =>
              r.status === 'RELEASED' && r.release_reason === 'EXPIRED',
          ),
        ).toBe(true);
      });
      await eventually(() => holds.forEach((h) => expect(released(h.id)).toHaveLength(1)), {
        timeoutMs: 30_000,
      });
      const { body } = await call(
        'GET',
        `${a.url}/reservations/${holds[0]!.id}`,
        holds[0]!.fan.token,
      );
      expect(body).toMatchObject({ status: 'RELEASED', releaseReason: 'EXPIRED' });
      // Every seat is free again.
      const next = await tokenFor(schedule.concertId);
      expect(
        (
          await call('POST', `${a.url}/reservations`, next.token, {
            scheduleId: schedule.scheduleId,
            seatNo: 1,
          })
        ).status,
      ).toBe(201);
      // Both sweepers kept running; still exactly one release event per hold.
      await eventually(async () => expect((await deployment.db('outbox')).length).toBe(0));
      holds.forEach((h) => expect(released(h.id)).toHaveLength(1));
    });
  });

  describe('before any sweeper runs', () => {
    let deployment: ReservationDeployment;
    let svc: ReservationServiceHandle;
    beforeAll(async () => {
      deployment = await ReservationDeployment.create();
      svc = await deployment.startInstance({
        HOLD_TTL_SECONDS: '1',
        HOLD_SWEEP_INTERVAL_MS: '3600000',
      });
    });
    afterAll(() => deployment.stop());

    it('when a hold has run out, then it blocks neither the seat nor its fan: both new holds succeed at once', async () => {
      const schedule = await deployment.publishSchedule();
      const first = await tokenFor(schedule.concertId);
      const held = await call('POST', `${svc.url}/reservations`, first.token, {
        scheduleId: schedule.scheduleId,
        seatNo: 5,
      });
      const id = held.body.reservationId as string;
      const other = await tokenFor(schedule.concertId);
      // The seat frees itself at heldUntil; the request that finds it expired releases it.
      await eventually(
        async () =>
          expect(
            (
              await call('POST', `${svc.url}/reservations`, other.token, {
                scheduleId: schedule.scheduleId,
                seatNo: 5,
              })
            ).status,
          ).toBe(201),
        {
          timeoutMs: 10_000,
          intervalMs: 200,
        },
      );
      expect((await call('GET', `${svc.url}/reservations/${id}`, first.token)).body).toMatchObject({
        status: 'RELEASED',
        releaseReason: 'EXPIRED',
      });
      await eventually(() => expect(released(id)).toHaveLength(1));
    });
  });
});

describe('a hold on a counted pool', () => {
  let deployment: ReservationDeployment;
  let events: TopicCapture;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    await deployment.startInstance({ HOLD_SWEEP_INTERVAL_MS: '3600000' });
    events = await TopicCapture.start([(await topicNamespace()).name(TOPICS.reservationEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await deployment.stop();
  });

  const announced = (...reservationIds: string[]) =>
    events
      .where((m) => {
        const id = (m.envelope?.data as { reservationId?: string } | undefined)?.reservationId;
        return id !== undefined && reservationIds.includes(id);
      })
      .map((m) => m.envelope!.type)
      .sort();

  /** The use case as the service runs it, on a pool whose statements and transactions count. */
  async function holdCounted(concertId: number, scheduleId: number, seatNo: number) {
    const { db, statements, destroy } = countedDatabase(deployment.databaseUrl);
    try {
      const holds = new SeatHolds(db, reservationsIn, 300, new TakenSeats(0));
      const held = await holds.hold({ userId: randomUUID(), concertId }, scheduleId, seatNo);
      return { held, statements };
    } finally {
      await destroy();
    }
  }

  it('when neither the seat nor the fan is held, then the hold and its announcement are one statement after the check, without a transaction', async () => {
    const { concertId, scheduleId } = await deployment.publishSchedule();
    const { held, statements } = await holdCounted(concertId, scheduleId, 3);
    expect(statements).toHaveLength(2);
    expect(statements).not.toContain('BEGIN');
    await eventually(() => expect(announced(held.reservationId)).toEqual(['reservation.held']));
  });

  it('when an overdue hold stands on the seat, then the refused statement gives way to the transaction that releases it, and both are announced', async () => {
    const { concertId, scheduleId } = await deployment.publishSchedule();
    const stale = randomUUID();
    await deployment.db('reservations').insert({
      id: stale,
      user_id: randomUUID(),
      schedule_id: scheduleId,
      seat_no: 4,
      price: 1000,
      status: 'HELD',
      held_until: deployment.db.raw(`now() - interval '1 second'`),
      seat_version: deployment.db.raw(`nextval('seat_version_seq')`),
    });
    const { held, statements } = await holdCounted(concertId, scheduleId, 4);
    expect(statements).toContain('BEGIN');
    expect(await deployment.db('reservations').where({ id: stale }).first()).toMatchObject({
      status: 'RELEASED',
      release_reason: 'EXPIRED',
    });
    expect(held).toMatchObject({ status: 'HELD', seatNo: 4 });
    await eventually(() =>
      expect(announced(stale, held.reservationId)).toEqual([
        'reservation.held',
        'reservation.released',
      ]),
    );
  });
});

describe('the sweep of due holds', () => {
  let deployment: ReservationDeployment;

  beforeAll(async () => {
    deployment = await ReservationDeployment.create();
    // The service migrates the database and keeps the schedule replica; its own sweeper idles.
    await deployment.startInstance({ HOLD_SWEEP_INTERVAL_MS: '3600000' });
  });
  afterAll(() => deployment.stop());

  it('when 50 holds are due, then one sweep releases them all with a constant number of statements (no query per hold)', async () => {
    const schedule = await deployment.publishSchedule();
    await deployment.db('reservations').insert(
      Array.from({ length: 50 }, (_, i) => ({
        id: randomUUID(),
        user_id: randomUUID(),
        schedule_id: schedule.scheduleId,
        seat_no: i + 1,
        price: 1000,
        status: 'HELD',
        held_until: deployment.db.raw(`now() - interval '1 second'`),
        seat_version: deployment.db.raw(`nextval('seat_version_seq')`),
      })),
    );
    // The use case as the service runs it, on a connection pool whose statements are counted.
    const knex = createDb({ url: deployment.databaseUrl, applicationName: 'test-sweep' });
    const statements: string[] = [];
    knex.on('query', (q: { sql: string }) => statements.push(q.sql));
    try {
      const holds = new SeatHolds(new Database(knex), reservationsIn, 300, new TakenSeats(0));
      expect(await holds.releaseDueHolds()).toBe(50);
    } finally {
      await knex.destroy();
    }
    const released = await deployment
      .db('reservations')
      .where({ schedule_id: schedule.scheduleId, status: 'RELEASED', release_reason: 'EXPIRED' });
    expect(released).toHaveLength(50);
    // One batch: begin, release-and-return, outbox insert, commit (a transaction's own BEGIN
    // and COMMIT are not query events).
    expect(statements.length).toBeLessThanOrEqual(4);
  });
});
