import { script, send } from '../src/data-access/scripts';
import { queueKeys, tokenIdOf } from '@ticketing/queue-pass';
import { eventually, randomIntId, uuid } from '@ticketing/testing';
import {
  KEY_PREFIX,
  concertDate,
  join,
  keysUnder,
  knownConcert,
  poll,
  queuePorts,
  startQueue,
} from './harness';

/** The keys under a prefix that never expire: what a queue keeps there for good. */
const keptForGood = async (prefix: string) =>
  (await keysUnder(prefix))
    .filter((k) => k.ttlMs === -1)
    .map((k) => k.key)
    .sort();

// The queue's state of a concert whose sales ended goes in two steps: the counters in one script
// on the concert's hash slot, then the segments' bits and the user index on theirs.
describe('retiring a concert queue that stopped half-way', () => {
  const prefix = `${KEY_PREFIX}half-way:`;
  const AUDIT_TTL_MS = 60_000;

  it('when an instance stopped after the counters went and a tick ran since, then the next retirement removes every segment', async () => {
    const { store } = await queuePorts({ REDIS_KEY_PREFIX: prefix });
    const { line } = store;
    const concertId = randomIntId();
    await store.concerts.registerQueued(concertId);
    // Three segments and a bit of a fourth handed out; a fan in each, one of them in the index.
    const seq = 3 * 4096 + 5;
    const fans = [1, 4097, 8193, 12_289];
    expect(
      await line.openLine(concertId, {
        epoch: 7,
        reserved: seq,
        issued: seq,
        head: 0,
        rebuilt: false,
        ranges: [],
      }),
    ).toBe(true);
    for (const number of fans) await store.bits.markJoined(concertId, number, 1, AUDIT_TTL_MS);
    expect(await store.claim(concertId, 'fan')).toEqual({ kind: 'claimed' });
    await store.settle(concertId, 'fan', fans[0]!);
    expect((await keptForGood(prefix)).length).toBeGreaterThanOrEqual(fans.length);

    // The first step only, as if the instance had been killed right after it: the store's own
    // script, given the keys it takes (no port of the store stops half-way).
    const keys = queueKeys(concertId);
    expect(
      await send(
        store.redis,
        script(
          'retire',
          [keys.meta, keys.cohorts, keys.cohortLeft, keys.sweepLock, keys.audit, keys.retiring],
          [AUDIT_TTL_MS],
        ),
      ),
    ).toBe(seq);
    // The concert is still queued, so a tick runs: the line is not open (its tombstone says it
    // ended), and the tick writes nothing.
    expect(await store.concerts.queuedConcerts()).toContain(concertId);
    expect(
      await line.prepareTick(concertId, { admitPerSecond: 0, maxActive: 10, settleMs: 0 }),
    ).toBeUndefined();
    expect(await line.isOpen(concertId)).toBe(false);
    expect((await line.snapshot(concertId, undefined, 0)).seq).toBe(0);

    expect(await line.retire(concertId, AUDIT_TTL_MS)).toBe(true);

    // Nothing is kept for good (every segment's bits, the user index, the retirement's own note:
    // gone); what is left expires. The tombstone refuses a pass of that life: not taken for a
    // line the store lost, which would be rebuilt.
    expect(await keptForGood(prefix)).toEqual([]);
    const pass = {
      userId: 'fan',
      concertId,
      tokenId: tokenIdOf({ concertId, epoch: 7, number: 1 }),
    };
    expect(await store.readPlace(pass)).toBeUndefined();
    expect(await store.concerts.queuedConcerts()).not.toContain(concertId);
    // Done: a further call has nothing left to do.
    expect(await line.retire(concertId, AUDIT_TTL_MS)).toBe(false);
  });
});

describe('a concert whose sales ended', () => {
  // This file's instances keep no other concert: nothing else of theirs is under the prefix.
  const retiring = `${KEY_PREFIX}retire:`;

  it('when its last date stops selling and the last activation ends, then its queue state is removed and the audit stream kept', async () => {
    const queue = await startQueue({
      REDIS_KEY_PREFIX: retiring,
      QUEUE_ADMIT_PER_SECOND: '100',
      QUEUE_ACTIVE_TTL_SECONDS: '1',
    });
    try {
      const { store, journal } = await queuePorts(queue);
      const concertId = await knownConcert(queue);
      // Late enough that the first fan is admitted before, even on a busy machine.
      const closesAt = Date.now() + 4000;
      await concertDate(queue, concertId, {
        opensAt: new Date(Date.now() - 60_000),
        closesAt: new Date(closesAt),
      });
      // What the queue keeps for good before anyone joins: its copy of the catalog.
      const catalogCopy = await keptForGood(retiring);
      const fans = await Promise.all(
        Array.from({ length: 5 }, () => join(queue.url, uuid(), concertId)),
      );
      await eventually(async () =>
        expect((await poll(queue.url, fans[0]!.body.token)).body.status).toBe('ACTIVE'),
      );
      expect(await store.line.isOpen(concertId)).toBe(true);
      expect((await keptForGood(retiring)).length).toBeGreaterThan(catalogCopy.length);
      const seriesOfTheLine = `concert="${concertId}"`;
      await eventually(async () => expect(await metricsOf(queue.url)).toContain(seriesOfTheLine));
      // Sales close 4 s in; a second later (the activation's end) the state goes, but for a
      // tombstone saying that life of the line ended (a pass of it is refused, not rebuilt).
      await eventually(async () => expect(await store.line.isOpen(concertId)).toBe(false), {
        timeoutMs: 15_000,
        intervalMs: 200,
      });
      expect(await journal.line(concertId)).toBeUndefined(); // Postgres closed it first
      // The counters go in one script, then the segments' bits and the 4,096 user buckets are
      // unlinked: polled until that last step is done, not read once after the first.
      await eventually(async () => {
        expect(await store.concerts.queuedConcerts()).not.toContain(concertId); // the last step
        // Nothing the line wrote is kept for good: what is left expires (the seen bits on their
        // own, the tombstone and the audit stream after a day and more).
        expect(await keptForGood(retiring)).toEqual(catalogCopy);
        // Nor do its metrics keep a series per concert that ended (they would pile up for good).
        expect(await metricsOf(queue.url)).not.toContain(seriesOfTheLine);
      });
      const longKept = (await keysUnder(retiring)).filter((k) => k.ttlMs > 86_400_000);
      expect(longKept).toHaveLength(2); // the tombstone and the audit stream
      expect((await store.line.auditRecords(concertId)).length).toBeGreaterThan(0); // for audits
      expect((await poll(queue.url, fans[0]!.body.token)).status).toBe(401);
      expect(Date.now()).toBeGreaterThanOrEqual(closesAt);
    } finally {
      await queue.stop();
    }
  });
});

const metricsOf = async (baseUrl: string) => (await fetch(`${baseUrl}/metrics`)).text();
