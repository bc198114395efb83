import type { ServiceHandle } from '@ticketing/platform';
import { eventually, uuid } from '@ticketing/testing';
import { onSale } from './concert-news';
import { join, knownConcert, poll, readEvents, startQueue, type SseEvent } from './harness';

describe('queue events (SSE) far back in the line', () => {
  let queue: ServiceHandle;

  beforeAll(async () => {
    // One admission a second: fans more than 100 places back hear of their place every few
    // seconds; nobody idles out during the test.
    queue = await startQueue({
      QUEUE_ADMIT_PER_SECOND: '1',
      QUEUE_MAX_ACTIVE: '1',
      QUEUE_IDLE_TIMEOUT_SECONDS: '600',
    });
  });
  afterAll(() => queue.stop());

  it('when the concert sells out, then a fan far back hears it at once, not at the far-back pace', async () => {
    const concertId = await knownConcert(queue);
    const sales = await onSale(concertId);
    try {
      for (let i = 0; i < 110; i += 10)
        await Promise.all(Array.from({ length: 10 }, () => join(queue.url, uuid(), concertId)));
      const fan = await join(queue.url, uuid(), concertId);
      expect(fan.body.position).toBeGreaterThan(100);
      const listening = new AbortController();
      const res = await fetch(`${queue.url}/queue/tokens/me/events`, {
        headers: { authorization: `Bearer ${fan.body.token}` },
        signal: listening.signal,
      });
      const events: SseEvent[] = [];
      void readEvents(res, events);
      await eventually(() =>
        expect(events[0]).toMatchObject({
          event: 'position',
          data: { status: 'WAITING', userId: fan.body.userId, tokenId: fan.body.tokenId },
        }),
      );

      await sales.seats(1, 0, 0);
      await eventually(async () =>
        expect((await poll(queue.url, fan.body.token)).body.status).toBe('SOLD_OUT'),
      ); // this instance knows
      // Far back, positions are looked at every 5 s; a sale's end is told at the next interval.
      await eventually(
        () =>
          expect(events.at(-1)).toMatchObject({
            event: 'sold-out',
            data: { status: 'SOLD_OUT', userId: fan.body.userId },
          }),
        { timeoutMs: 3000 },
      );
      listening.abort();
    } finally {
      await sales.stop();
    }
  });
});
