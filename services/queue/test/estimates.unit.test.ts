import { estimatedWaitSeconds, retryAfterSeconds } from '../src/domain/estimates';

describe('estimated wait', () => {
  it.each([
    [0, 100, 0],
    [1, 100, 1],
    [100, 100, 1],
    [101, 100, 2],
    [1000, 100, 10],
    [5, 2, 3],
  ])('when position is %i at %i admitted/s, then the wait is %i s', (position, rate, expected) => {
    expect(estimatedWaitSeconds(position, rate)).toBe(expected);
  });

  it('when admission is paused, then the wait is unknown (null)', () => {
    expect(estimatedWaitSeconds(10, 0)).toBeNull();
  });
});

describe('Retry-After', () => {
  it('when near the front (within one second of admissions), then poll every second', () => {
    expect(retryAfterSeconds(1, 100)).toBe(1);
    expect(retryAfterSeconds(100, 100)).toBe(1);
  });

  it('when far back, then poll less often, never more than every 30 s', () => {
    expect(retryAfterSeconds(2000, 100)).toBe(4);
    expect(retryAfterSeconds(1_000_000, 100)).toBe(30);
    expect(retryAfterSeconds(5, 0)).toBe(30);
  });

  it('when further back, then never asked to poll sooner than someone ahead', () => {
    let previous = 0;
    for (let position = 1; position < 20_000; position += 37) {
      const next = retryAfterSeconds(position, 100);
      expect(next).toBeGreaterThanOrEqual(previous);
      previous = next;
    }
  });
});
