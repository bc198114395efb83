import { optedOut } from '../src/prerequisites';

describe('a missing prerequisite', () => {
  it('when a developer opts out of it by name, then its suite may skip', () => {
    expect(optedOut('java', { TEST_OPT_OUT: 'design-contract, java' })).toBe(true);
  });

  it('when nobody opted out of it, then its suite fails with its reason', () => {
    expect(optedOut('java', {})).toBe(false);
    expect(optedOut('java', { TEST_OPT_OUT: 'design-contract' })).toBe(false);
  });

  it('when running under CI, then an opt-out is ignored and the suite fails with its reason', () => {
    expect(optedOut('java', { CI: 'true', TEST_OPT_OUT: 'java' })).toBe(false);
  });
});
