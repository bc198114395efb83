import { concert } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { createProducer, publishNow } from '@ticketing/messaging/wiring';
import { eventually, randomIntId, testKafka, uuid } from '@ticketing/testing';
import type { QueueServiceHandle } from '../src/start';
import {
  join,
  knownConcert,
  poll,
  readEvents,
  startQueue,
  topicNamespace,
  type SseEvent,
} from './harness';

describe('queue events (SSE)', () => {
  let queue: QueueServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_MAX_ACTIVE: '1',
      QUEUE_IDLE_TIMEOUT_SECONDS: '2',
    });
  });
  afterAll(() => queue.stop());

  it('when a waiting client listens, then it is told its position and then activation, without polling', async () => {
    const concertId = await knownConcert(queue);
    const holder = await join(queue.url, uuid(), concertId);
    await eventually(async () =>
      expect((await poll(queue.url, holder.body.token)).body.status).toBe('ACTIVE'),
    );
    const fan = await join(queue.url, uuid(), concertId);
    expect(fan.body.status).toBe('WAITING');

    const res = await fetch(`${queue.url}/queue/tokens/me/events`, {
      headers: { authorization: `Bearer ${fan.body.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: SseEvent[] = [];
    const ended = readEvents(res, events);
    await eventually(() =>
      expect(events[0]).toMatchObject({
        event: 'position',
        data: { status: 'WAITING', position: 1 },
      }),
    );

    // The stream keeps the fan's place longer than the 2 s idle timeout, with no polls at all.
    await new Promise((r) => setTimeout(r, 2500)); // the passage of time is what is under test
    expect(events.map((e) => e.event)).toEqual(['position']);

    // The holder leaves: the next tick admits the fan, and the stream says so and ends.
    await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${holder.body.token}` },
    });
    await ended;
    expect(events.at(-1)).toMatchObject({
      event: 'active',
      data: { status: 'ACTIVE', position: 0, tokenId: fan.body.tokenId },
    });
    expect(JSON.stringify(events)).not.toContain(fan.body.token); // the stream never echoes the secret
  });

  it('when nothing is left to sell, then a waiting client hears sold-out, and is admitted when a seat comes back', async () => {
    const concertId = await knownConcert(queue);
    const scheduleId = randomIntId();
    const producer = createProducer(testKafka());
    await producer.connect();
    // What the concert service announces: a date of one seat on sale, then what is left of it.
    const announce = (message: ReturnType<typeof buildMessage>) =>
      topicNamespace().then((ns) => publishNow(producer, [message], ns));
    const seats = (revision: number, available: number, held: number) =>
      announce(
        buildMessage(
          concert.availabilityChanged,
          {
            concertId,
            scheduleId,
            availableSeats: available,
            heldSeats: held,
            seatsRevision: revision,
          },
          { source: 'test' },
        ),
      );
    try {
      await announce(
        buildMessage(
          concert.schedulePublished,
          {
            concertId,
            scheduleId,
            startsAt: new Date(Date.now() + 86_400_000).toISOString(),
            bookingOpensAt: new Date(Date.now() - 60_000).toISOString(),
            bookingClosesAt: new Date(Date.now() + 86_400_000).toISOString(),
            price: 1000,
            totalSeats: 1,
            status: 'OPEN',
            revision: 1,
          },
          { source: 'test' },
        ),
      );
      const holder = await join(queue.url, uuid(), concertId);
      await eventually(async () =>
        expect((await poll(queue.url, holder.body.token)).body.status).toBe('ACTIVE'),
      );
      const fan = await join(queue.url, uuid(), concertId);
      const res = await fetch(`${queue.url}/queue/tokens/me/events`, {
        headers: { authorization: `Bearer ${fan.body.token}` },
      });
      const events: SseEvent[] = [];
      const ended = readEvents(res, events);
      await eventually(() => expect(events.map((e) => e.event)).toEqual(['position']));

      await seats(1, 0, 0); // the seat sold
      await eventually(() =>
        expect(events.at(-1)).toMatchObject({
          event: 'sold-out',
          data: { status: 'SOLD_OUT', position: 1 },
        }),
      );
      expect((await poll(queue.url, fan.body.token)).body.status).toBe('SOLD_OUT');
      // Nothing left: the holder leaving frees a slot, and still nobody is admitted.
      await fetch(`${queue.url}/queue/tokens/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${holder.body.token}` },
      });
      expect((await poll(queue.url, fan.body.token)).body.status).toBe('SOLD_OUT');

      await seats(2, 1, 0); // the seat back (a payment compensated)
      await ended; // admitted: the stream ends
      expect(events.map((e) => e.event)).toEqual(
        expect.arrayContaining(['position', 'sold-out', 'active']),
      );
      expect(events.at(-1)).toMatchObject({ event: 'active', data: { status: 'ACTIVE' } });
    } finally {
      await producer.disconnect();
    }
  });

  it('when the token is already gone, then the stream is refused with 401', async () => {
    const concertId = await knownConcert(queue);
    const fan = await join(queue.url, uuid(), concertId);
    await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fan.body.token}` },
    });
    const res = await fetch(`${queue.url}/queue/tokens/me/events`, {
      headers: { authorization: `Bearer ${fan.body.token}` },
    });
    expect(res.status).toBe(401);
  });
});
