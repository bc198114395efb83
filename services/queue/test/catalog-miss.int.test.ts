import type { ServiceHandle } from '@ticketing/platform';
import { createTopicNamespace, eventually, randomIntId, uuid } from '@ticketing/testing';
import {
  concertInCatalog,
  join,
  poll,
  queuePorts,
  startCatalog,
  startQueue,
  type Catalog,
} from './harness';

/**
 * The queue's copy of the catalog (Redis, fed by concert.events) misses a concert: it asks the
 * catalog where it is durable, the real concert service (ADR 0024). Here the concert service
 * publishes on topics the queue does not read, so the queue hears of no concert but by asking.
 */
describe('a join for a concert the queue has not heard of', () => {
  let catalog: Catalog;
  let queue: ServiceHandle;

  beforeAll(async () => {
    catalog = await startCatalog({ KAFKA_TOPIC_PREFIX: (await createTopicNamespace()).prefix });
    queue = await startQueue({
      CONCERT_URLS: catalog.url,
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_TICK_MS: '50',
    });
  }, 120_000);
  afterAll(async () => {
    await queue?.stop();
    await catalog?.stop();
  });

  it('when the catalog lists it, then the join succeeds at once, and the queue keeps its dates: admission starts when its sales open, not before', async () => {
    const onSale = await concertInCatalog(catalog);
    const opensAt = new Date(Date.now() + 3_600_000);
    const later = await concertInCatalog(catalog, opensAt);
    const early = await join(queue.url, uuid(), later);
    const fan = await join(queue.url, uuid(), onSale);
    expect(early).toMatchObject({ status: 201, body: { status: 'WAITING', position: 1 } });
    expect(fan).toMatchObject({ status: 201, body: { status: 'WAITING', position: 1 } });
    // The queue's copy of the catalog has both concerts' dates now.
    const { store } = await queuePorts(queue);
    for (const concertId of [onSale, later])
      expect(await store.line.salesKnown(concertId)).toBe(true);
    // Ticks run: the fan of the concert on sale is admitted; the early one is not.
    await eventually(async () =>
      expect((await poll(queue.url, fan.body.token)).body.status).toBe('ACTIVE'),
    );
    expect((await poll(queue.url, early.body.token)).body).toMatchObject({
      status: 'WAITING',
      position: 1,
    });
  });

  it('when the catalog has no such concert, then 404 NOT_FOUND and nothing is queued', async () => {
    const concertId = randomIntId();
    const res = await join(queue.url, uuid(), concertId);
    expect(res).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const { store } = await queuePorts(queue);
    expect(await store.line.isOpen(concertId)).toBe(false);
    expect(await store.concerts.isKnownConcert(concertId)).toBe(false);
  });

  it('when the catalog does not answer, then 503 with Retry-After, never 404', async () => {
    const concertId = await concertInCatalog(catalog);
    const other = await startQueue({ CONCERT_URLS: `${catalog.url},http://127.0.0.1:1` });
    try {
      await catalog.service.stop();
      const res = await join(other.url, uuid(), concertId);
      expect(res).toMatchObject({ status: 503, retryAfter: '1' });
    } finally {
      await other.stop();
    }
  });
});
