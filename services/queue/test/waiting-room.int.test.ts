import type { ServiceHandle } from '@ticketing/platform';
import { Credentials } from '@ticketing/auth';
import { RedisAdmissionSource, placeOf } from '@ticketing/queue-pass';
import { eventually, testInfra, uuid } from '@ticketing/testing';
import Redis from 'ioredis';
import {
  KEY_PREFIX,
  join,
  knownConcert,
  passSigner,
  passVerifier,
  poll,
  queuePorts,
  readEvents,
  startQueue,
  type SseEvent,
} from './harness';

const numberOf = (tokenId: string) => placeOf(tokenId)!.number;

describe('exact FIFO across three instances', () => {
  const prefix = `${KEY_PREFIX}fifo:`;
  let instances: ServiceHandle[] = [];

  beforeAll(async () => {
    // Admission opens once everybody has joined: the first instance ticks with a zero rate.
    instances = await Promise.all(
      [0, 1, 2].map(() =>
        startQueue({
          REDIS_KEY_PREFIX: prefix,
          QUEUE_ADMIT_PER_SECOND: '50',
          QUEUE_MAX_ACTIVE: '120',
          QUEUE_TICK_MS: '20',
        }),
      ),
    );
  });
  afterAll(() => Promise.all(instances.map((i) => i.stop())));

  it('when 300 fans join three instances at once, then numbers are 1..300 and exactly the first 120 are admitted, in number order', async () => {
    const concertId = await knownConcert(instances[0]!);
    const fans = await Promise.all(
      Array.from({ length: 300 }, (_, k) => join(instances[k % 3]!.url, uuid(), concertId)),
    );
    expect(fans.every((f) => f.status === 201)).toBe(true);
    const numbers = fans.map((f) => numberOf(f.body.tokenId)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));

    // Everybody keeps polling (nobody goes idle) until admission has filled the 120 slots.
    await eventually(
      async () => {
        const now = await Promise.all(
          fans.map((f, k) => poll(instances[k % 3]!.url, f.body.token)),
        );
        expect(now.filter((p) => p.body.status === 'ACTIVE')).toHaveLength(120);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    // Each instance tells every fan the same: ACTIVE up to number 120, then positions in order.
    for (const instance of instances)
      await eventually(async () => {
        for (const f of fans) {
          const n = numberOf(f.body.tokenId);
          const { body } = await poll(instance.url, f.body.token);
          if (n <= 120) expect(body).toMatchObject({ status: 'ACTIVE', position: 0 });
          else expect(body).toMatchObject({ status: 'WAITING', position: n - 120 });
        }
      });
  });
});

// Long enough that restarting an instance on a loaded machine keeps a polling fan live.
const IDLE_SECONDS = 3;

describe('idle fans at the head', () => {
  it('when the fans first in line went silent, then they are skipped, not admitted, and the next live fan is', async () => {
    const queue = await startQueue({
      REDIS_KEY_PREFIX: `${KEY_PREFIX}idle:`,
      QUEUE_ADMIT_PER_SECOND: '0',
      QUEUE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    });
    const concertId = await knownConcert(queue);
    const silent = [
      await join(queue.url, uuid(), concertId),
      await join(queue.url, uuid(), concertId),
    ];
    const live = await join(queue.url, uuid(), concertId);
    expect(live.body.position).toBe(3);
    // The live fan polls all along (through the restart below too: a slow start must not make
    // it idle); the first two never do, for longer than 1.5× the idle timeout.
    let target = queue.url;
    let polling = true;
    const keepPolling = (async () => {
      while (polling) {
        await poll(target, live.body.token).catch(() => undefined); // none up for a moment
        await new Promise((r) => setTimeout(r, 200)); // a fan's pace, not a synchronisation
      }
    })();
    await new Promise((r) => setTimeout(r, 1500 * IDLE_SECONDS + 500)); // time is under test
    // Admission opens (instances share one token bucket: the paused one stops first) for one fan.
    await queue.stop();
    const admitting = await startQueue({
      REDIS_KEY_PREFIX: `${KEY_PREFIX}idle:`,
      QUEUE_ADMIT_PER_SECOND: '1',
      QUEUE_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
    });
    target = admitting.url;
    try {
      await eventually(async () =>
        expect((await poll(admitting.url, live.body.token)).body.status).toBe('ACTIVE'),
      );
      for (const s of silent) expect((await poll(admitting.url, s.body.token)).status).toBe(401);
      // One head move, over the two silent fans to the live one: the only fan admitted.
      const { journal } = await queuePorts(admitting);
      const { epoch } = (await journal.line(concertId))!;
      await eventually(async () =>
        expect(await journal.admissions(concertId, epoch)).toEqual([
          expect.objectContaining({ from: 1, to: 3, admitted: 1 }),
        ]),
      );
    } finally {
      polling = false;
      await keepPolling;
      await admitting.stop();
    }
  });
});

describe('a pass for another user’s number', () => {
  let queue: ServiceHandle;
  let redis: Redis;

  beforeAll(async () => {
    queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '100', QUEUE_MAX_ACTIVE: '1000' });
    redis = new Redis(testInfra().redisUrl, { keyPrefix: KEY_PREFIX });
  });
  afterAll(async () => {
    redis.disconnect();
    await queue.stop();
  });

  it('when a pass names one user but another user’s number (re-signed), then the store refuses it everywhere', async () => {
    const concertId = await knownConcert(queue);
    const victim = await join(queue.url, uuid(), concertId);
    await eventually(async () =>
      expect((await poll(queue.url, victim.body.token)).body.status).toBe('ACTIVE'),
    );
    // Whoever holds the signing key signs the victim's token id with their own `sub`.
    const attacker = uuid();
    const forged = await passSigner().sign(
      { userId: attacker, tokenId: victim.body.tokenId, concertId },
      600,
    );
    // The booking services' check, the queue's ACTIVE confirmation and leaving all refuse it.
    const admissions = new RedisAdmissionSource(redis);
    expect(
      await admissions.admissionOf({ userId: attacker, tokenId: victim.body.tokenId, concertId }),
    ).toBe('GONE');
    expect(await admissions.admissionOf({ ...victim.body })).toEqual({ status: 'ACTIVE' });
    const credentials = new Credentials({ passes: passVerifier(), admissions });
    await expect(
      credentials.queuePass.authenticate({ authorization: `Bearer ${forged}` }),
    ).rejects.toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect((await poll(queue.url, forged)).status).toBe(401);
    const leave = await fetch(`${queue.url}/queue/tokens/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(leave.status).toBe(401);
    // The victim keeps their place.
    expect((await poll(queue.url, victim.body.token)).body.status).toBe('ACTIVE');
  });
});

describe('a stream across an instance restart', () => {
  const prefix = `${KEY_PREFIX}restart:`;

  it('when the instance serving a stream stops, then the client reconnects elsewhere with Last-Event-ID, keeps its place, and hears when it is admitted', async () => {
    const settings = { REDIS_KEY_PREFIX: prefix, QUEUE_IDLE_TIMEOUT_SECONDS: '5' };
    const first = await startQueue({ ...settings, QUEUE_ADMIT_PER_SECOND: '0' });
    const concertId = await knownConcert(first);
    const ahead = await join(first.url, uuid(), concertId);
    const fan = await join(first.url, uuid(), concertId);
    const events: SseEvent[] = [];
    const open = (url: string, lastEventId?: string) =>
      fetch(`${url}/queue/tokens/me/events`, {
        headers: {
          authorization: `Bearer ${fan.body.token}`,
          ...(lastEventId && { 'last-event-id': lastEventId }),
        },
      });
    const ended = readEvents(await open(first.url), events);
    await eventually(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ event: 'position', id: 'WAITING:2', data: { position: 2 } });
    await first.stop();
    await ended; // the stream ends with the instance

    // The next instance admits one fan at a time: the one ahead first.
    const second = await startQueue({
      ...settings,
      QUEUE_ADMIT_PER_SECOND: '10',
      QUEUE_MAX_ACTIVE: '1',
    });
    try {
      const resumed = readEvents(await open(second.url, events[0]!.id), events);
      await eventually(() =>
        expect(events.at(-1)).toMatchObject({ id: 'WAITING:1', data: { position: 1 } }),
      );
      // The one ahead leaves; the fan is admitted, and the stream says so and ends.
      await fetch(`${second.url}/queue/tokens/me`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${ahead.body.token}` },
      });
      await resumed;
      // Resumed with Last-Event-ID: the last event before the restart is not told again.
      expect(events.map((e) => e.id)).toEqual(['WAITING:2', 'WAITING:1', 'ACTIVE:0']);
      expect(events.at(-1)).toMatchObject({ event: 'active', data: { status: 'ACTIVE' } });
    } finally {
      await second.stop();
    }
  });
});
