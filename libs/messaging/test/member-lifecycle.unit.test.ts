import { KAFKA_CLIENT_SETTINGS } from '../src/client-settings';
import { MEMBER_TIMINGS, MemberLifecycle, fetchWaitMs } from '../src/member-lifecycle';

/** Timings short enough for a unit test; the patience long enough never to run out here. */
const quick = { subscribePatienceMs: 5000, subscribeIntervalMs: 1, joinWaitMs: 20 };

const retriable = () => Object.assign(new Error('unknown topic'), { retriable: true });

/** How many times a subscription was tried before it failed, each attempt with `failure()`. */
async function attemptsUntilFailed(
  lifecycle: MemberLifecycle,
  failure: () => Error,
  duringAttempt: () => void = () => undefined,
): Promise<number> {
  let attempts = 0;
  await expect(
    lifecycle.subscribe(async () => {
      attempts++;
      duringAttempt();
      throw failure();
    }),
  ).rejects.toThrow(failure().message);
  return attempts;
}

/** A join the test ends when it chooses. */
function pendingJoin() {
  let end!: (failure?: Error) => void;
  const join = new Promise<void>((resolve, reject) => {
    end = (failure) => (failure ? reject(failure) : resolve());
  });
  return { join, end };
}

/**
 * What every adapter's group member shares (kafkajs, @platformatic/kafka, any client added behind
 * the port): the fetch wait, the subscription's patience, and a stop that meets a join.
 */
describe('a group member lifecycle', () => {
  it("when no fetch wait is given, then it is the services' default (500 ms), and a given one is kept", () => {
    expect(fetchWaitMs()).toBe(500);
    expect(fetchWaitMs({})).toBe(500);
    expect(fetchWaitMs({ maxWaitMs: 150 })).toBe(150);
  });

  it('when nothing is said of timings, then a subscription waits 10 s for a topic and a stop waits a rebalance for a join', () => {
    expect(MEMBER_TIMINGS).toEqual({
      subscribePatienceMs: 10_000,
      subscribeIntervalMs: 200,
      joinWaitMs: KAFKA_CLIENT_SETTINGS.consumer.rebalanceTimeoutMs,
    });
  });

  it('when a subscription fails for a reason that may pass, then it is tried again until it succeeds', async () => {
    const lifecycle = new MemberLifecycle(quick);
    let attempts = 0;
    await expect(
      lifecycle.subscribe(async () => {
        if (++attempts < 3) throw retriable();
        return 'subscribed';
      }),
    ).resolves.toBe('subscribed');
    expect(attempts).toBe(3);
  });

  it('when a subscription fails for a reason that will not pass, then it fails at once', async () => {
    const unauthorized = () => new Error('not authorized');
    expect(await attemptsUntilFailed(new MemberLifecycle(quick), unauthorized)).toBe(1);
  });

  it('when a subscription keeps failing past the patience, then it fails with the last error', async () => {
    const impatient = new MemberLifecycle({ ...quick, subscribePatienceMs: 10 });
    expect(await attemptsUntilFailed(impatient, retriable)).toBeGreaterThan(1);
  });

  it('when the member is stopped while its subscription is failing, then it is not tried again', async () => {
    const lifecycle = new MemberLifecycle(quick);
    expect(await attemptsUntilFailed(lifecycle, retriable, () => void lifecycle.stop())).toBe(1);
  });

  it('when stop() is called, then the member is stopping at once, before anything is awaited', () => {
    const lifecycle = new MemberLifecycle(quick);
    expect(lifecycle.stopping).toBe(false);
    void lifecycle.stop();
    expect(lifecycle.stopping).toBe(true);
  });

  it('when no join was begun, then a stop has nothing to wait for', async () => {
    await expect(new MemberLifecycle(quick).stop()).resolves.toBe(true);
  });

  it('when a join ends without a stop, then the member goes on', async () => {
    await expect(new MemberLifecycle(quick).joining(Promise.resolve())).resolves.toBe(true);
  });

  it('when the member is stopped during its join, then the stop waits for the join, and the member does not go on', async () => {
    const lifecycle = new MemberLifecycle({ ...quick, joinWaitMs: 60_000 });
    const { join, end } = pendingJoin();
    const goesOn = lifecycle.joining(join);
    let stopped = false;
    const stop = lifecycle.stop().then((over) => ((stopped = true), over));
    await Promise.resolve();
    expect(stopped).toBe(false);
    end();
    await expect(stop).resolves.toBe(true);
    await expect(goesOn).resolves.toBe(false);
  });

  it('when the join fails during a stop, then the stop is over as well, and the join fails as it did', async () => {
    const lifecycle = new MemberLifecycle({ ...quick, joinWaitMs: 60_000 });
    const { join, end } = pendingJoin();
    const goesOn = lifecycle.joining(join);
    const stop = lifecycle.stop();
    end(new Error('broker away'));
    await expect(stop).resolves.toBe(true);
    await expect(goesOn).rejects.toThrow('broker away');
  });

  it('when the join outlasts the join wait, then the stop returns without it, and what runs after the join runs once it is over', async () => {
    const lifecycle = new MemberLifecycle(quick);
    const { join, end } = pendingJoin();
    const goesOn = lifecycle.joining(join);
    await expect(lifecycle.stop()).resolves.toBe(false);
    let closed!: () => void;
    const closedAfterJoin = new Promise<void>((resolve) => (closed = resolve));
    lifecycle.afterJoin(async () => closed());
    end();
    await closedAfterJoin;
    await expect(goesOn).resolves.toBe(false);
  });
});
