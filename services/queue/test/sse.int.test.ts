import type { ServiceHandle } from '@ticketing/platform';
import { eventually, uuid } from '@ticketing/testing';
import { onSale } from './concert-news';
import {
  buyStreamTicket,
  join,
  knownConcert,
  poll,
  passSigner,
  readEvents,
  startQueue,
  type SseEvent,
} from './harness';

/** A JWT's `exp` (seconds), unverified. */
const expOf = (jwt: string) =>
  (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;

describe('queue events (SSE)', () => {
  let queue: ServiceHandle;

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
    const sales = await onSale(concertId);
    try {
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

      await sales.seats(1, 0, 0); // the seat sold
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

      await sales.seats(2, 1, 0); // the seat back (a payment compensated)
      await ended; // admitted: the stream ends
      expect(events.map((e) => e.event)).toEqual(
        expect.arrayContaining(['position', 'sold-out', 'active']),
      );
      expect(events.at(-1)).toMatchObject({ event: 'active', data: { status: 'ACTIVE' } });
    } finally {
      await sales.stop();
    }
  });

  it("when a browser presents a stream ticket in the URL (EventSource sends no header), then it opens that pass's stream, and nothing else", async () => {
    const concertId = await knownConcert(queue);
    const fan = await join(queue.url, uuid(), concertId);
    const made = await buyStreamTicket(queue.url, fan.body.token);
    expect(made).toMatchObject({ status: 201, cacheControl: 'no-store' });
    const { ticket, url, expiresAt } = made.body;
    expect(url).toBe(`/queue/tokens/me/events?ticket=${ticket}`);
    expect(Date.parse(expiresAt!) - Date.now()).toBeGreaterThan(60_000);

    const controller = new AbortController();
    const res = await fetch(`${queue.url}${url}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store, no-transform');
    const events: SseEvent[] = [];
    void readEvents(res, events);
    await eventually(() =>
      expect(events[0]).toMatchObject({ data: { tokenId: fan.body.tokenId } }),
    );
    expect(JSON.stringify(events)).not.toContain(fan.body.token); // the pass never travels back
    controller.abort();

    // Anywhere else the ticket opens nothing: not as a bearer token, not in a query string.
    const asBearer = { authorization: `Bearer ${ticket}` };
    for (const [method, path, headers] of [
      ['GET', '/queue/tokens/me', asBearer],
      ['DELETE', '/queue/tokens/me', asBearer],
      ['POST', '/queue/tokens/me/stream-ticket', asBearer],
      ['GET', '/queue/tokens/me/events', asBearer],
      ['GET', `/queue/tokens/me?ticket=${ticket}`, {}],
      ['POST', '/queue/tokens', { ...asBearer, 'content-type': 'application/json' }],
    ] as const) {
      const refused = await fetch(`${queue.url}${path}`, {
        method,
        headers,
        ...(method === 'POST' &&
          path === '/queue/tokens' && { body: JSON.stringify({ concertId }) }),
      });
      expect({ method, path, status: refused.status }).toEqual({ method, path, status: 401 });
    }
    // …and a pass is no ticket: the stream's query takes tickets only.
    const passInQuery = await fetch(`${queue.url}/queue/tokens/me/events?ticket=${fan.body.token}`);
    expect(passInQuery.status).toBe(401);
    // An expired ticket, or one whose pass has left the queue, opens nothing.
    const signer = passSigner();
    const claims = { userId: fan.body.userId, tokenId: fan.body.tokenId, concertId };
    const { ticket: old } = signer.signStreamTicket(
      claims,
      5,
      Date.now() + 3_600_000,
      Date.now() - 60_000,
    );
    expect((await fetch(`${queue.url}/queue/tokens/me/events?ticket=${old}`)).status).toBe(401);
    await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fan.body.token}` },
    });
    expect((await fetch(`${queue.url}${url}`)).status).toBe(401);
  });

  it('when the pass ends before a ticket’s time would, then the ticket ends with the pass, never after', async () => {
    const concertId = await knownConcert(queue);
    const fan = await join(queue.url, uuid(), concertId);
    // The same place's pass, ending in 20 s: a ticket's own time (120 s) would outlive it.
    const claims = { userId: fan.body.userId, tokenId: fan.body.tokenId, concertId };
    const pass = await passSigner().sign(claims, 20);
    const passExpiresAtMs = expOf(pass) * 1000;

    const made = await buyStreamTicket(queue.url, pass);

    expect(made.status).toBe(201);
    expect(expOf(made.body.ticket) * 1000).toBe(passExpiresAtMs);
    expect(Date.parse(made.body.expiresAt)).toBe(passExpiresAtMs);
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
