import pino from 'pino';
import { eventually } from '@ticketing/testing';
import { IssuedNumbers } from '../src/domain/line-durability/issued-numbers';

type Batch = { concertId: number; epoch: number; upTo: number }[];

/**
 * A journal whose statements the test answers by hand: each `recordIssued` waits until the test
 * resolves (or fails) it, so what joins see while one is in flight can be checked.
 */
function manualJournal() {
  const calls: {
    batch: Batch;
    answer: (rebuilds: Map<number, number>) => void;
    fail: (e: Error) => void;
  }[] = [];
  return {
    calls,
    recordIssued: (batch: Batch) =>
      new Promise<Map<number, number>>((answer, fail) => calls.push({ batch, answer, fail })),
  };
}

const settled = () => new Promise((r) => setImmediate(r));

describe('numbers handed out, recorded before their fans hear of them', () => {
  const warnings: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void warnings.push(line) });
  const options = { waitMs: 200, retryMs: 20, gapMs: 0 };

  it('when joins come while a record is in flight, then they share the next statement, each line at its highest number', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    const first = issued.record(1, 7, 1, 0);
    await settled();
    const later = [issued.record(1, 7, 3, 0), issued.record(1, 7, 2, 0), issued.record(2, 9, 5, 0)];
    await settled();
    expect(journal.calls).toHaveLength(1);
    journal.calls[0]!.answer(new Map([[1, 0]]));
    expect(await first).toEqual({ kind: 'recorded', rebuiltSince: false });
    await settled();
    expect(journal.calls).toHaveLength(2);
    expect(journal.calls[1]!.batch).toEqual([
      { concertId: 1, epoch: 7, upTo: 3 },
      { concertId: 2, epoch: 9, upTo: 5 },
    ]);
    journal.calls[1]!.answer(
      new Map([
        [1, 0],
        [2, 0],
      ]),
    );
    expect(await Promise.all(later)).toEqual(
      later.map(() => ({ kind: 'recorded', rebuiltSince: false })),
    );
  });

  it('when the line was rebuilt after the join read its count, or the join knew no count, then the join is told to check its place', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    expect(issued.rebuildsKnown(1)).toBeUndefined();
    const unknown = issued.record(1, 7, 1, undefined);
    await settled();
    journal.calls[0]!.answer(new Map([[1, 2]]));
    expect(await unknown).toEqual({ kind: 'recorded', rebuiltSince: true });
    expect(issued.rebuildsKnown(1)).toBe(2);

    const before = issued.rebuildsKnown(1);
    const acrossRebuild = issued.record(1, 7, 2, before);
    await settled();
    journal.calls[1]!.answer(new Map([[1, 3]]));
    expect(await acrossRebuild).toEqual({ kind: 'recorded', rebuiltSince: true });
  });

  it('when Postgres has no line of that epoch any more, then the number is stale', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    const closed = issued.record(1, 7, 1, 0);
    await settled();
    journal.calls[0]!.answer(new Map());
    expect(await closed).toEqual({ kind: 'stale' });
  });

  it('when Postgres does not answer in time, then joins are answered without it until it answers, and the numbers are recorded once it does', async () => {
    warnings.length = 0;
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    const slow = issued.record(1, 7, 1, 0);
    expect(await slow).toEqual({ kind: 'unrecorded' }); // after waitMs
    expect(warnings.join()).toMatch(/could not be recorded in Postgres/);
    // While it is stuck, joins are answered at once, and wait for the next statement.
    expect(await issued.record(1, 7, 2, 0)).toEqual({ kind: 'unrecorded' });
    journal.calls[0]!.answer(new Map([[1, 0]]));
    await settled();
    await settled();
    expect(journal.calls[1]!.batch).toEqual([{ concertId: 1, epoch: 7, upTo: 2 }]);
    journal.calls[1]!.answer(new Map([[1, 0]]));
    await settled();
    expect(warnings.join()).toMatch(/recorded in Postgres again/);
    const healthy = issued.record(1, 7, 3, 0);
    await settled();
    journal.calls[2]!.answer(new Map([[1, 0]]));
    expect(await healthy).toEqual({ kind: 'recorded', rebuiltSince: false });
  });

  it('when a record fails, then its joins are answered without it and its numbers are tried again', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    const failed = issued.record(4, 1, 10, 0);
    await settled();
    journal.calls[0]!.fail(new Error('connection refused'));
    expect(await failed).toEqual({ kind: 'unrecorded' });
    // Tried again after retryMs, with the same numbers, and no join waiting on it.
    await eventually(() => expect(journal.calls).toHaveLength(2));
    expect(journal.calls[1]!.batch).toEqual([{ concertId: 4, epoch: 1, upTo: 10 }]);
    journal.calls[1]!.answer(new Map([[4, 0]]));
    await issued.drain();
  });

  it('when the process stops, then numbers still to record get one more try', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, options);
    const first = issued.record(1, 7, 1, 0);
    await settled();
    void issued.record(1, 7, 2, 0);
    const drained = issued.drain();
    journal.calls[0]!.answer(new Map([[1, 0]]));
    await first;
    await settled();
    await settled();
    expect(journal.calls[1]!.batch).toEqual([{ concertId: 1, epoch: 7, upTo: 2 }]);
    journal.calls[1]!.answer(new Map([[1, 0]]));
    await drained;
  });

  it('when joins keep coming, then a record starts at most once per gap, and those of the gap share it', async () => {
    const journal = manualJournal();
    const issued = new IssuedNumbers(journal, logger, { ...options, gapMs: 50 });
    const first = issued.record(1, 7, 1, 0);
    await settled();
    journal.calls[0]!.answer(new Map([[1, 0]]));
    await first;
    const startedAt = Date.now();
    const later = [issued.record(1, 7, 2, 0), issued.record(1, 7, 3, 0)];
    await settled();
    expect(journal.calls).toHaveLength(1); // the gap since the first record's start runs
    await eventually(() => expect(journal.calls).toHaveLength(2));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(30);
    expect(journal.calls[1]!.batch).toEqual([{ concertId: 1, epoch: 7, upTo: 3 }]);
    journal.calls[1]!.answer(new Map([[1, 0]]));
    expect(await Promise.all(later)).toEqual(
      later.map(() => ({ kind: 'recorded', rebuiltSince: false })),
    );
  });
});
