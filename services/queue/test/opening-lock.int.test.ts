import { eventually, randomIntId } from '@ticketing/testing';
import type { RedisLineStore } from '../src/data-access/line-store';
import { queuePorts } from './harness';

/**
 * One instance at a time opens or rebuilds a concert's line (ADR 0024), under a lock that
 * expires: an instance slower than the expiry must not take away the lock another instance took
 * since, or two instances rebuild the line at once.
 */
describe("a line's opening lock", () => {
  let line: RedisLineStore;

  beforeAll(async () => {
    // As the queue's own Redis user: its rules must allow what the unlock runs.
    line = (await queuePorts()).store.line;
  });

  it('when an opening outlasts its lock and another instance takes the lock, then the first one’s unlock leaves the other’s lock in place', async () => {
    const concertId = randomIntId();
    // Two seconds: long enough that the next call finds it held on a loaded machine (20 ms once
    // expired before it), short enough to wait out.
    expect(await line.lockOpening(concertId, 'slow', 2_000)).toBe(true);
    expect(await line.lockOpening(concertId, 'other', 60_000)).toBe(false);
    // The slow instance's lock expires; another instance takes it.
    await eventually(
      async () => expect(await line.lockOpening(concertId, 'other', 60_000)).toBe(true),
      { timeoutMs: 10_000, intervalMs: 100 },
    );

    expect(await line.unlockOpening(concertId, 'slow')).toBe(false);

    // Still the other's: a third is refused, and the other's own unlock frees it.
    expect(await line.lockOpening(concertId, 'third', 60_000)).toBe(false);
    expect(await line.unlockOpening(concertId, 'other')).toBe(true);
  });

  it('when the instance holding the lock is done, then its unlock frees it for the next', async () => {
    const concertId = randomIntId();
    expect(await line.lockOpening(concertId, 'one', 60_000)).toBe(true);

    expect(await line.unlockOpening(concertId, 'one')).toBe(true);

    expect(await line.unlockOpening(concertId, 'one')).toBe(false); // nothing of its left
    expect(await line.lockOpening(concertId, 'next', 60_000)).toBe(true);
    await line.unlockOpening(concertId, 'next');
  });
});
