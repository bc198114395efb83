import { soldOutCheck } from '../src/rehearsal/checks';
import type { FanOutcome } from '../src/rehearsal/fan';
import { faultsCheck } from '../src/rehearsal/faults';

const mark = (name: string, failed?: string) => ({
  name,
  atS: 60,
  endS: 70,
  ...(failed && { failed }),
});

describe("a rehearsal's faults, as its checks say them", () => {
  it('when a run injects no fault, then it has no fault check', () => {
    expect(faultsCheck([])).toEqual([]);
  });

  it('when every fault was injected and recovered, then the check holds and counts them', () => {
    expect(faultsCheck([mark('a broker killed'), mark('a switchover')])).toEqual([
      { name: 'every fault injected and recovered', held: true, detail: '2 of 2' },
    ]);
  });

  it('when a fault failed, then the check fails naming it and why', () => {
    const [check] = faultsCheck([
      mark('a broker killed'),
      mark('Postgres switchover', 'pg-2 promoted did not come up within 30s'),
    ]);
    expect(check).toEqual({
      name: 'every fault injected and recovered',
      held: false,
      detail: 'Postgres switchover: pg-2 promoted did not come up within 30s',
    });
  });
});

describe('the sold-out check', () => {
  const fan = (state: FanOutcome['state'], gaveUpOn?: string): FanOutcome => ({
    userId: 'u',
    concertId: 7,
    state,
    waitedS: 1,
    ...(gaveUpOn && { gaveUpOn }),
  });

  it('when fans gave up before being told, then it fails and says why each did, most first', () => {
    const check = soldOutCheck(
      [
        fan('soldOut'),
        fan('gaveUp', 'poll: 120 s of no answer'),
        fan('gaveUp', 'place lost 4 times'),
        fan('gaveUp', 'poll: 120 s of no answer'),
        fan('paid'),
      ],
      [7],
    );
    expect(check).toEqual({
      name: 'fans still waiting at sell-out told SOLD_OUT',
      held: false,
      detail: '1 told SOLD_OUT, 3 never told (2 poll: 120 s of no answer; 1 place lost 4 times)',
    });
  });

  it('when every waiting fan was told, then it holds', () => {
    expect(soldOutCheck([fan('soldOut'), fan('paid')], [7]).held).toBe(true);
  });
});
