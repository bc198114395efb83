import { reservation } from '@ticketing/contracts';
import { buildMessage, type OutgoingMessage } from '@ticketing/messaging';
import { publishNow, type Publisher } from '@ticketing/messaging/wiring';
import { type Knex } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, testKafka, uuid } from '@ticketing/testing';
import { startConcert, topicNamespace, type ConcertFixture } from './harness';

const DAY = 86_400_000;

/**
 * A plausible history for seats 1..12: holds, releases, confirmations and reverts, each event
 * carrying the seat's version. Returns the messages in order and the seat map they lead to.
 */
function seatHistory(scheduleId: number) {
  let version = 0;
  const messages: OutgoingMessage[] = [];
  const expected = new Map<number, string>();
  const paymentId = uuid();
  for (let seatNo = 1; seatNo <= 12; seatNo++) {
    const userId = uuid();
    const base = { userId, scheduleId, seatNo };
    const r1 = uuid();
    const r2 = uuid();
    const held = (reservationId: string) =>
      buildMessage(
        reservation.reservationHeld,
        {
          ...base,
          reservationId,
          seatVersion: ++version,
          price: 1000,
          heldUntil: new Date().toISOString(),
        },
        { source: 'test' },
      );
    const plan = seatNo % 4;
    messages.push(held(r1));
    if (plan === 0) {
      expected.set(seatNo, 'HELD');
      continue;
    }
    messages.push(
      buildMessage(
        reservation.reservationReleased,
        { ...base, reservationId: r1, seatVersion: ++version, reason: 'EXPIRED' },
        { source: 'test' },
      ),
    );
    if (plan === 1) {
      expected.set(seatNo, 'AVAILABLE');
      continue;
    }
    messages.push(held(r2)); // another reservation of the same seat: another partition key
    messages.push(
      buildMessage(
        reservation.reservationConfirmed,
        { ...base, reservationId: r2, paymentId, seatVersion: ++version, price: 1000 },
        { source: 'test' },
      ),
    );
    if (plan === 2) {
      expected.set(seatNo, 'RESERVED');
      continue;
    }
    messages.push(
      buildMessage(
        reservation.confirmationReverted,
        {
          ...base,
          reservationId: r2,
          paymentId,
          seatVersion: ++version,
          status: 'RELEASED',
          reverted: true,
        },
        { source: 'test' },
      ),
    );
    expected.set(seatNo, 'AVAILABLE');
  }
  for (let seatNo = 13; seatNo <= 50; seatNo++) expected.set(seatNo, 'AVAILABLE');
  return { messages, expected };
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('seat-status projection of reservation.events', () => {
  let fx: ConcertFixture;
  let db: Knex;
  let producer: Publisher;
  let concertId: number;

  beforeAll(async () => {
    fx = await startConcert();
    db = createDb({ url: fx.databaseUrl, applicationName: 'test' });
    [{ id: concertId }] = await db('concerts')
      .insert({ title: 'Projection', artist: 'P', venue: 'V' })
      .returning('id');
    producer = testKafka().publisher();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await db.destroy();
    await fx.stop();
  });

  const newSchedule = async (days: number) =>
    (await fx.service.catalog.addSchedule({
      concertId,
      startsAt: new Date(Date.now() + days * DAY),
      bookingOpensAt: new Date(Date.now() - DAY),
      bookingClosesAt: new Date(Date.now() + (days - 1) * DAY),
      price: 1000,
    }))!.scheduleId;

  const seatMap = async (scheduleId: number) =>
    new Map(
      (
        (await db('seats').where({ schedule_id: scheduleId }).select('seat_no', 'status')) as {
          seat_no: number;
          status: string;
        }[]
      ).map((r) => [r.seat_no, r.status]),
    );

  it('when the events arrive in order, then the seat map is the one the history leads to', async () => {
    const scheduleId = await newSchedule(5);
    const { messages, expected } = seatHistory(scheduleId);
    for (const m of messages) await publishNow(producer, [m], await topicNamespace()); // one at a time: strictly ordered
    await eventually(async () => expect(await seatMap(scheduleId)).toEqual(expected), {
      timeoutMs: 30_000,
    });
  });

  it('when the same events arrive shuffled and duplicated, then the seat map ends the same', async () => {
    const scheduleId = await newSchedule(6);
    const { messages, expected } = seatHistory(scheduleId);
    const stream = shuffled([...messages, ...messages.filter(() => Math.random() < 0.5)]);
    await publishNow(producer, stream, await topicNamespace());
    // A replay of old events with new message ids (e.g. a republished outbox) changes nothing either.
    const replayed = messages
      .slice(0, 5)
      .map((m) => ({ ...m, envelope: { ...m.envelope, id: uuid() } }));
    await publishNow(producer, replayed, await topicNamespace());
    await eventually(async () => expect(await seatMap(scheduleId)).toEqual(expected), {
      timeoutMs: 30_000,
    });
    const marker = uuid();
    // Once a later message behind all of them is applied, nothing else can still change the map.
    await publishNow(
      producer,
      [
        buildMessage(
          reservation.reservationHeld,
          {
            reservationId: marker,
            userId: uuid(),
            scheduleId,
            seatNo: 50,
            seatVersion: 10_000,
            price: 1,
            heldUntil: new Date().toISOString(),
          },
          { source: 'test' },
        ),
      ],
      await topicNamespace(),
    );
    await eventually(async () => expect((await seatMap(scheduleId)).get(50)).toBe('HELD'), {
      timeoutMs: 30_000,
    });
    expect(await seatMap(scheduleId)).toEqual(new Map([...expected, [50, 'HELD']]));
  });
});
