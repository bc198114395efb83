import { OneAttemptPerSeat } from '../src/domain/one-attempt-per-seat';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}
const seat = { scheduleId: 1, seatNo: 9 };
const flush = () => new Promise((r) => setImmediate(r));

describe('one hold attempt per seat on an instance', () => {
  it('when the attempt in flight takes the seat, then the fans waiting behind it are refused without trying', async () => {
    const attempts = new OneAttemptPerSeat();
    let taken = false;
    const refuse = () => {
      if (taken) throw new Error('SEAT_UNAVAILABLE');
    };
    const first = deferred<string>();
    let tried = 0;
    const winner = attempts.run(seat, refuse, () => (tried++, first.promise));
    const waiters = Array.from({ length: 5 }, () =>
      attempts.run(seat, refuse, async () => (tried++, 'never')),
    );
    await flush();
    expect(tried).toBe(1);
    taken = true;
    first.resolve('held');
    await expect(winner).resolves.toBe('held');
    for (const w of waiters) await expect(w).rejects.toThrow('SEAT_UNAVAILABLE');
    expect(tried).toBe(1);
    expect(attempts.size).toBe(0);
  });

  it('when the attempt in flight fails for its own fan, then the next waiter tries, one at a time', async () => {
    const attempts = new OneAttemptPerSeat();
    const refuseNothing = () => undefined;
    let inFlight = 0;
    let most = 0;
    const attempt = (outcome: 'fail' | 'ok') => async () => {
      most = Math.max(most, ++inFlight);
      await flush();
      inFlight--;
      if (outcome === 'fail') throw new Error('HOLD_LIMIT_REACHED');
      return outcome;
    };
    const results = await Promise.allSettled([
      attempts.run(seat, refuseNothing, attempt('fail')),
      attempts.run(seat, refuseNothing, attempt('ok')),
      attempts.run(seat, refuseNothing, attempt('ok')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(most).toBe(1);
  });

  it('when fans ask for different seats, then their attempts run side by side', async () => {
    const attempts = new OneAttemptPerSeat();
    const gates = [deferred<number>(), deferred<number>()];
    const both = [0, 1].map((i) =>
      attempts.run(
        { scheduleId: 1, seatNo: i + 1 },
        () => undefined,
        () => gates[i]!.promise,
      ),
    );
    await flush();
    expect(attempts.size).toBe(2);
    gates.forEach((g, i) => g.resolve(i));
    await expect(Promise.all(both)).resolves.toEqual([0, 1]);
  });
});
