import { NotYet, becomesTrue, retryUntil } from '../src/retry-until';

describe('retryUntil: the one deadline-and-sleep loop', () => {
  it('when an attempt fails and a later one succeeds, then its value comes back', async () => {
    let calls = 0;
    const value = await retryUntil(
      () => {
        if (++calls < 3) throw new Error(`attempt ${calls}`);
        return 'done';
      },
      { timeoutMs: 5000, intervalMs: 1 },
    );
    expect({ value, calls }).toEqual({ value: 'done', calls: 3 });
  });

  it('when no attempt succeeds in time, then the last error is thrown (or onTimeout’s)', async () => {
    let calls = 0;
    const fail = () => {
      throw new Error(`attempt ${++calls}`);
    };
    const last = await retryUntil(fail, { timeoutMs: 30, intervalMs: 5 }).catch((e: Error) => e);
    expect(calls).toBeGreaterThan(1);
    expect((last as Error).message).toBe(`attempt ${calls}`);
    await expect(
      retryUntil(fail, {
        timeoutMs: 10,
        intervalMs: 5,
        onTimeout: (last) => new Error(`gave up after ${(last as Error).message}`),
      }),
    ).rejects.toThrow(/^gave up after attempt \d+$/);
  });

  it('when an error is not one to retry, then it ends the loop at once', async () => {
    let calls = 0;
    const fatal = new Error('fatal');
    await expect(
      retryUntil(
        () => {
          calls++;
          throw fatal;
        },
        { timeoutMs: 5000, intervalMs: 1, retryOn: (err) => err instanceof NotYet },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('when a condition becomes true, then becomesTrue says so; when it never does, false', async () => {
    let n = 0;
    expect(await becomesTrue(() => ++n >= 3, { timeoutMs: 5000, intervalMs: 1 })).toBe(true);
    expect(await becomesTrue(() => false, { timeoutMs: 20, intervalMs: 5 })).toBe(false);
  });
});
