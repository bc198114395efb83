import { asRanges } from '../src/domain/fairness';
import { checkFairness, parseRanges, type HeadMove, type Recovery } from '../src/domain/fairness';

const move = (m: Partial<HeadMove> & { from: number; to: number }): HeadMove => ({
  id: `${m.from}-0`,
  atMs: 1000 + m.from,
  admitted: m.to - m.from + 1 - (m.idle?.length ?? 0) - (m.gone ?? 0),
  idle: [],
  gone: 0,
  ...m,
});

const recovery = (head: number): Recovery => ({
  kind: 'recover',
  id: `r${head}`,
  head,
  atMs: 5000,
});

describe('the fairness check over recorded head moves', () => {
  it('when a line rebuilt after a loss resumes at the head Postgres recorded, then the moves after it are checked from there', () => {
    const fair = checkFairness([recovery(500), move({ from: 501, to: 600 })]);
    expect(fair).toMatchObject({ problems: [], recoveries: 1, moves: 1, head: 600 });

    const gap = checkFairness([recovery(500), move({ from: 520, to: 600 })]);
    expect(gap.problems).toEqual([expect.stringContaining('501..519 were passed over')]);
  });

  it('when a rebuilt line resumes behind numbers that had their turn, then they would have it twice', () => {
    const report = checkFairness([move({ from: 1, to: 100 }), recovery(80)]);
    expect(report.problems).toEqual([expect.stringContaining('they would have it twice')]);
  });

  it('when ranges follow one another and account for every number, then it is fair', () => {
    const report = checkFairness([
      move({ from: 1, to: 100 }),
      move({ from: 101, to: 150, idle: [101, 102], gone: 3 }),
      move({ from: 151, to: 151 }),
    ]);
    expect(report).toMatchObject({
      problems: [],
      admitted: 146,
      skippedIdle: 2,
      gone: 3,
      head: 151,
    });
  });

  it('when a record admits numbers that had their turn already, then admitted out of order', () => {
    const report = checkFairness([move({ from: 1, to: 100 }), move({ from: 90, to: 120 })]);
    expect(report.problems).toEqual([expect.stringMatching(/90\.\.100 had their turn already/)]);
  });

  it('when numbers are passed over with no record, or time runs back, or a range does not add up, then each is named', () => {
    const report = checkFairness([
      move({ from: 1, to: 10, atMs: 5000 }),
      move({ from: 20, to: 30, atMs: 4000 }),
      move({ from: 31, to: 40, admitted: 3, atMs: 6000 }),
    ]);
    expect(report.problems).toEqual([
      expect.stringMatching(/11\.\.19 were passed over with no record/),
      expect.stringMatching(/before the record ahead of it/),
      expect.stringMatching(/3 admitted \+ 0 idle \+ 0 gone ≠ 10 numbers/),
    ]);
  });

  it('when numbers are written as ranges, then they read back', () => {
    const numbers = [1, 2, 3, 5, 7, 8, 100];
    expect(asRanges(numbers)).toBe('1-3,5,7-8,100');
    expect(parseRanges(asRanges(numbers))).toEqual(numbers);
    expect(parseRanges('')).toEqual([]);
  });
});
