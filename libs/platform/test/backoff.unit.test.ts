import { backoffDelay } from '../src/backoff';

describe('backoffDelay: exponential backoff', () => {
  const options = { firstMs: 100, maxMs: 5000 };

  it('when attempts fail one after another, then the wait doubles from the first', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, options))).toEqual([100, 200, 400, 800]);
  });

  it('when the doubling passes the cap, then the cap holds, even after a very long outage', () => {
    expect(backoffDelay(7, options)).toBe(5000);
    expect(backoffDelay(10_000, options)).toBe(5000);
  });

  it('when asked before any failure, then it is the first wait', () => {
    expect(backoffDelay(0, options)).toBe(100);
  });
});
