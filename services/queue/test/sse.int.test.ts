import { eventually, uuid } from '@ticketing/testing';
import type { QueueServiceHandle } from '../src/start';
import { join, knownConcert, poll, startQueue } from './harness';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream into parsed events until it ends. */
async function readEvents(res: Response, into: SseEvent[]): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) into.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    }
  }
}

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
