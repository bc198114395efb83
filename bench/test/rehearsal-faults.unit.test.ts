import { faultsCheck } from '../src/rehearsal/faults';

const mark = (name: string, failed?: string) => ({ name, atS: 60, endS: 70, ...(failed && { failed }) });

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
