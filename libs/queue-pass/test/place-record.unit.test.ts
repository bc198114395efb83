import { holderOf, holds, stateOfPlace, type PlaceRecord } from '../src/place-record';

const record = (r: Partial<PlaceRecord>): PlaceRecord => ({
  heldByUser: true,
  holder: 'this',
  alive: true,
  head: 10,
  epoch: 7,
  seq: 100,
  recovered: 0,
  presumed: 0,
  repairedAtMs: 0,
  ...r,
});

describe('who holds a place, and where it stands (ADR 0024)', () => {
  it('when the index names the number, names nothing, or names something else, then the holder says so', () => {
    expect(holderOf('42', 42)).toBe('this');
    expect(holderOf(null, 42)).toBe('none');
    expect(holderOf('43', 42)).toBe('other');
    expect(holderOf('x42', 42)).toBe('other'); // the user ended that place
    expect(holderOf('p1700000000000', 42)).toBe('other'); // a join of theirs in progress
  });

  it('when the index names nothing, then the pass stands in only for a number of the life before a loss', () => {
    expect(holds('42', 42, 0)).toBe(true);
    expect(holds(null, 42, 50)).toBe(true); // an entry the store lost with the line
    expect(holds(null, 51, 50)).toBe(false); // handed out since: it must be named
    expect(holds(null, 42, 0)).toBe(false); // never lost: a pass re-signed for it is refused
    expect(holds('43', 42, 0)).toBe(false);
    expect(holds('x42', 42, 50)).toBe(false); // the user ended it after the rebuild
  });

  it('when a fan of the life before a loss joins again after it, then the earlier place stands too until it ends', () => {
    expect(holds('61', 42, 50)).toBe(true); // a place taken since the rebuild
    expect(holds('x61', 42, 50)).toBe(true); // taken since and ended: the earlier one stands
    expect(holds('p1700000000000', 42, 50)).toBe(true); // taking one now
    expect(holds('43', 42, 50)).toBe(false); // another place of the life before: not this one
  });

  it('when a number is alive behind the head, in a range still active, or beyond the counter, then WAITING, ACTIVE, or GONE', () => {
    expect(stateOfPlace(record({}), 20, 0)).toEqual({ status: 'WAITING', numbersAhead: 9 });
    expect(stateOfPlace(record({ cohort: { from: 5, to: 10, untilMs: 1000 } }), 8, 500)).toEqual({
      status: 'ACTIVE',
      untilMs: 1000,
    });
    expect(stateOfPlace(record({ cohort: { from: 5, to: 10, untilMs: 1000 } }), 8, 1000)).toEqual({
      status: 'GONE',
    });
    expect(stateOfPlace(record({}), 101, 0)).toEqual({ status: 'GONE' }); // never handed out
    expect(stateOfPlace(record({ alive: false }), 20, 0)).toEqual({ status: 'GONE' });
    expect(stateOfPlace(record({ heldByUser: false }), 20, 0)).toEqual({ status: 'GONE' });
    expect(stateOfPlace(undefined, 20, 0)).toEqual({ status: 'GONE' });
  });
});
