import { eventually, uuid } from '@ticketing/testing';
import { checkFairness } from '../src/domain/fairness';
import { join, knownConcert, queueLogs, queuePorts, startQueue } from './harness';

/**
 * An instance killed between a head move and its record in Postgres (a rehearsal's SIGKILL of an
 * instance of every service): the move is in the store's audit stream only, and the durable
 * audit would pass over its numbers (a line rebuilt after a loss of Redis would resume behind
 * them, and they would have their turn twice). Another instance records it from the stream.
 */
describe('a head move its maker did not record', () => {
  it('when an instance made moves in the store and was killed before recording them, and a live instance made and recorded the next, then a running instance records them in Postgres from the audit stream, and the durable audit has no gap', async () => {
    // Admission paused: the head moves only as the test asks the store.
    const queue = await startQueue({ QUEUE_ADMIT_PER_SECOND: '0' });
    try {
      const concertId = await knownConcert(queue);
      await Promise.all(Array.from({ length: 12 }, () => join(queue.url, uuid(), concertId)));
      const { store, journal } = await queuePorts(queue);
      const { epoch } = (await journal.line(concertId))!;
      // The killed instance's move: made in the store, never recorded (its process went away).
      const killedMaker = (from: number, to: number, gone: string, goneCount: number) =>
        store.line.advance(concertId, {
          id: `killed-${uuid()}`,
          from,
          to,
          admitted: to - from - goneCount,
          ttlMs: 60_000,
          idle: '',
          gone: goneCount,
          goneRanges: gone,
        });
      expect(await killedMaker(0, 5, '', 0)).toBeGreaterThan(0);
      expect(await killedMaker(5, 9, '7', 1)).toBeGreaterThan(0);
      // A live instance's move after them, recorded at once (Postgres' head passes theirs).
      const liveUntil = await store.line.advance(concertId, {
        id: `live-${uuid()}`,
        from: 9,
        to: 12,
        admitted: 3,
        ttlMs: 60_000,
        idle: '',
        gone: 0,
        goneRanges: '',
      });
      expect(liveUntil).toBeGreaterThan(0);
      await journal.recordAdmission(concertId, epoch, {
        from: 10,
        to: 12,
        admitted: 3,
        idle: '',
        gone: '',
        untilMs: liveUntil,
        atMs: liveUntil - 60_000,
        issued: 12,
      });
      expect((await journal.line(concertId))!.head).toBe(12);

      const records = await eventually(
        async () => {
          const recorded = await journal.admissions(concertId, epoch);
          expect(recorded).toHaveLength(3);
          return recorded;
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(records).toEqual([
        expect.objectContaining({ from: 1, to: 5, admitted: 5, idle: '', gone: '' }),
        expect.objectContaining({ from: 6, to: 9, admitted: 3, idle: '', gone: '7' }),
        expect.objectContaining({ from: 10, to: 12, admitted: 3 }),
      ]);
      // Until when their fans are active, as the store gave them: a rebuild brings them back.
      for (const r of records.slice(0, 2)) expect(r.untilMs - r.atMs).toBe(60_000);
      expect((await journal.line(concertId))!.head).toBe(12);
      const report = checkFairness(
        records.map((r, i) => ({
          id: String(i),
          from: r.from,
          to: r.to,
          atMs: r.atMs,
          admitted: r.admitted,
          idle: [],
          gone: r.gone === '' ? 0 : r.gone.split(',').length,
        })),
      );
      expect(report.problems).toEqual([]);
      const warned = (await queueLogs()).filter(
        (l) =>
          l.msg === 'a head move its maker did not record was recorded from the audit stream' &&
          l.concertId === concertId,
      );
      expect(warned).toEqual([
        expect.objectContaining({ level: 'warn', from: 1, to: 5 }),
        expect.objectContaining({ level: 'warn', from: 6, to: 9 }),
      ]);
    } finally {
      await queue.stop();
    }
  }, 60_000);
});
