import type { ServiceHandle } from '@ticketing/platform';
import { placeOf } from '@ticketing/queue-pass';
import { TOPICS, concert, queue as queueContracts } from '@ticketing/contracts';
import { buildMessage } from '@ticketing/messaging';
import { publishNow, type Publisher } from '@ticketing/messaging/wiring';
import {
  eventually,
  identityToken,
  randomIntId,
  testKafka,
  TopicCapture,
  uuid,
} from '@ticketing/testing';
import type { TopicNamespace } from '@ticketing/messaging';
import { QueueSnapshot } from '../src/domain/queue-snapshot';
import { JOIN_SETTLE_MS } from '../src/domain/settings';
import {
  join,
  joinWith,
  knownConcert,
  poll,
  queuePorts,
  startQueue,
  topicNamespace,
} from './harness';

describe('queue API (admission paused)', () => {
  let queue: ServiceHandle;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '0' });
  });
  afterAll(() => queue.stop());

  it('when a user joins, then 201 with a signed token, WAITING at position 1, and asking again returns the same token', async () => {
    const concertId = await knownConcert(queue);
    const userId = uuid();
    const first = await join(queue.url, userId, concertId);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      userId,
      concertId,
      status: 'WAITING',
      position: 1,
      estimatedWaitSeconds: null,
    });
    expect(first.body.token.split('.')).toHaveLength(3);
    const again = await join(queue.url, userId, concertId);
    expect(again.status).toBe(200);
    // The same place; its pass is minted again (passes are never stored) and both work.
    expect(again.body.tokenId).toBe(first.body.tokenId);
    for (const token of [first.body.token, again.body.token])
      expect((await poll(queue.url, token)).body).toMatchObject({
        tokenId: first.body.tokenId,
        position: 1,
      });
  });

  it('when 1,000 users join at once, then positions are exactly 1..1000 in the order the server accepted them', async () => {
    const concertId = await knownConcert(queue);
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => join(queue.url, uuid(), concertId)),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const positions = results.map((r) => r.body.position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // Polling now gives every token the position it was issued with: arrival order holds.
    const sample = results.slice(0, 50);
    for (const r of sample)
      expect((await poll(queue.url, r.body.token)).body.position).toBe(r.body.position);
  });

  it('when one user joins 50 times at once, then exactly one token exists (one 201, 49 × 200)', async () => {
    const concertId = await knownConcert(queue);
    const userId = uuid();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => join(queue.url, userId, concertId)),
    );
    expect(new Set(results.map((r) => r.body.tokenId)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(49);
    // On one Redis a join is one script: the 49 repeats took no number (no holes), and the one
    // number came with its alive bit.
    const number = placeOf(results[0]!.body.tokenId)!.number;
    const { store } = await queuePorts(queue);
    const line = new QueueSnapshot(await store.line.snapshot(concertId, undefined, JOIN_SETTLE_MS));
    expect(line.data.seq).toBe(number);
    expect(line.alive(number)).toBe(true);
  });

  it.each([
    ['a missing concertId', {}, 'body.concertId'],
    [
      'a userId with characters no user id has',
      { userId: 'bob smith', concertId: 1 },
      'body.userId',
    ],
    ['a concertId that is a string', { concertId: '1' }, 'body.concertId'],
    ['a negative concertId', { concertId: -3 }, 'body.concertId'],
  ])(
    'when the body has %s, then 400 VALIDATION_FAILED naming the field',
    async (_what, body, field) => {
      const res = await joinWith(queue.url, await identityToken(), body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((res.body as unknown as { detail: string }).detail).toContain(field);
    },
  );

  it('when the body names another user than the identity, then 403 FORBIDDEN and nothing is queued', async () => {
    const concertId = await knownConcert(queue);
    const me = uuid();
    const res = await joinWith(queue.url, await identityToken(me), { userId: uuid(), concertId });
    expect(res).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    // The same user asking for themself is the first in line: nobody was queued before.
    const own = await joinWith(queue.url, await identityToken(me), { userId: me, concertId });
    expect(own).toMatchObject({ status: 201, body: { userId: me, position: 1 } });
  });

  it('when joining without an identity, or with a queue pass instead, then 401', async () => {
    const concertId = await knownConcert(queue);
    expect((await joinWith(queue.url, undefined, { concertId })).body.code).toBe('TOKEN_MISSING');
    const pass = (await join(queue.url, uuid(), concertId)).body.token;
    expect(await joinWith(queue.url, pass, { concertId })).toMatchObject({
      status: 401,
      body: { code: 'TOKEN_INVALID' },
    });
  });

  it('when the concert is not in the queue’s copy of the catalog and the catalog cannot be reached, then 503 with Retry-After, never 404, and nothing is queued', async () => {
    const concertId = randomIntId();
    const res = await join(queue.url, uuid(), concertId);
    expect(res).toMatchObject({
      status: 503,
      retryAfter: '1',
      body: { code: 'SERVICE_UNAVAILABLE' },
    });
    const { store } = await queuePorts(queue);
    expect(await store.line.isOpen(concertId)).toBe(false);
    expect(await store.concerts.isKnownConcert(concertId)).toBe(false);
  });

  it('when polling, then the status is fresh and Retry-After suggests the next poll', async () => {
    const concertId = await knownConcert(queue);
    const { body } = await join(queue.url, uuid(), concertId);
    const res = await poll(queue.url, body.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenId: body.tokenId, status: 'WAITING', position: 1 });
    expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('when a user leaves, then 204 and the token answers 401 afterwards', async () => {
    const concertId = await knownConcert(queue);
    const a = await join(queue.url, uuid(), concertId);
    const b = await join(queue.url, uuid(), concertId);
    const res = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.body.token}` },
    });
    expect(res.status).toBe(204);
    expect((await poll(queue.url, a.body.token)).status).toBe(401);
    expect((await poll(queue.url, b.body.token)).body.position).toBe(1);
    const again = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.body.token}` },
    });
    expect(again.status).toBe(401);
  });

  it('when a user id contains the characters other providers use (auth0|…), then the token works and leaving frees it', async () => {
    const concertId = await knownConcert(queue);
    const userId = `auth0|${uuid()}@example.org`;
    const joined = await join(queue.url, userId, concertId);
    expect(joined).toMatchObject({ status: 201, body: { userId } });
    const left = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${joined.body.token}` },
    });
    expect(left.status).toBe(204);
    // Leaving forgot the user too: joining again gives a new token, not the old one.
    const again = await join(queue.url, userId, concertId);
    expect(again).toMatchObject({ status: 201 });
    expect(again.body.tokenId).not.toBe(joined.body.tokenId);
  });

  it.each([
    ['no Authorization header', undefined, 'TOKEN_MISSING'],
    ['a malformed header', 'Token abc', 'TOKEN_INVALID'],
    ['a garbage token', 'Bearer abc.def.ghi', 'TOKEN_INVALID'],
  ])('when polling with %s, then 401 %s', async (_what, header, code) => {
    const res = await fetch(`${queue.url}/queue/tokens/me`, {
      headers: header ? { authorization: header } : {},
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe(code);
  });
});

describe('queue messaging', () => {
  let queue: ServiceHandle;
  let producer: Publisher;
  let events: TopicCapture;
  let ns: TopicNamespace;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '1000', QUEUE_MAX_ACTIVE: '100000' });
    producer = testKafka().publisher();
    await producer.connect();
    ns = await topicNamespace();
    events = await TopicCapture.start([ns.name(TOPICS.queueEvents)]);
  });
  afterAll(async () => {
    await events.stop();
    await producer.disconnect();
    await queue.stop();
  });

  it('when concert.events announces a concert, then users can join its queue without asking the catalog', async () => {
    const concertId = randomIntId();
    // Not known yet, and the catalog cannot be asked here (harness: NO_CATALOG).
    expect((await join(queue.url, uuid(), concertId)).status).toBe(503);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    await publishNow(
      producer,
      [
        buildMessage(
          concert.schedulePublished,
          {
            scheduleId: randomIntId(),
            concertId,
            startsAt: at,
            bookingOpensAt: at,
            bookingClosesAt: at,
            price: 1000,
            totalSeats: 50,
            status: 'OPEN',
            revision: 1,
          },
          { source: 'test' },
        ),
      ],
      ns,
    );
    await eventually(
      async () => expect((await join(queue.url, uuid(), concertId)).status).toBe(201),
      { timeoutMs: 30_000 },
    );
  });

  it('when queue.expire-token arrives, then access ends at once, token-expired is emitted, and a repeat changes nothing but is acknowledged', async () => {
    const concertId = await knownConcert(queue);
    const userId = uuid();
    const { body } = await join(queue.url, userId, concertId);
    await eventually(async () =>
      expect((await poll(queue.url, body.token)).body.status).toBe('ACTIVE'),
    );
    const command = { tokenId: body.tokenId, userId, concertId, paymentId: uuid() };
    await publishNow(
      producer,
      [
        buildMessage(queueContracts.expireToken, command, {
          source: 'test',
          correlationId: command.paymentId,
        }),
      ],
      ns,
    );
    await eventually(async () => expect((await poll(queue.url, body.token)).status).toBe(401), {
      timeoutMs: 30_000,
    });
    const replies = () =>
      events.where(
        (m) =>
          m.envelope?.type === 'queue.token-expired' &&
          (m.envelope.data as { tokenId: string }).tokenId === body.tokenId,
      );
    await eventually(() => expect(replies()).toHaveLength(1), { timeoutMs: 30_000 });
    expect(replies()[0]!.envelope).toMatchObject({
      correlationId: command.paymentId,
      data: { removed: true },
    });

    await publishNow(
      producer,
      [
        buildMessage(queueContracts.expireToken, command, {
          source: 'test',
          correlationId: command.paymentId,
        }),
      ],
      ns,
    );
    await eventually(() => expect(replies()).toHaveLength(2), { timeoutMs: 30_000 });
    expect(replies()[1]!.envelope!.data).toMatchObject({ removed: false });
    expect((await poll(queue.url, body.token)).status).toBe(401);
  });
});
