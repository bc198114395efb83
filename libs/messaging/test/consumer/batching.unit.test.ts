import { BatchWindow } from '../../src/consumer/batch-window';
import { MicroBatcher } from '../../src/consumer/micro-batcher';

describe('MicroBatcher', () => {
  it('when items are handed in during one turn, then they run as one call and each caller gets its part', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, string>(async (items) => {
      calls.push(items);
      return items.map((i) => `r${i}`);
    });
    const [a, b] = await Promise.all([batcher.add([1, 2]), batcher.add([3])]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(a).toEqual(['r1', 'r2']);
    expect(b).toEqual(['r3']);
    await batcher.add([4]);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('when the call fails or declines, then every caller gets that', async () => {
    const failing = new MicroBatcher<number, string>(async () => {
      throw new Error('rolled back');
    });
    const both = [failing.add([1]), failing.add([2])];
    await expect(both[0]).rejects.toThrow('rolled back');
    await expect(both[1]).rejects.toThrow('rolled back');
    const declining = new MicroBatcher<number, string>(async () => undefined);
    await expect(declining.add([1])).resolves.toBeUndefined();
  });
});

describe('BatchWindow', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** One fetch of `messages`, handled in `handlingMs`: how long its batch then waits. */
  async function fetch(window: BatchWindow, messages: number, handlingMs: number) {
    window.enter(messages);
    jest.advanceTimersByTime(handlingMs);
    const handledAt = Date.now();
    let waitedMs = -1;
    const done = window.waitOut().then(() => (waitedMs = Date.now() - handledAt));
    // The clock moves only as far as the wait lasts: the next fetch follows at once.
    for (let ms = 0; waitedMs < 0 && ms < 60_000; ms++) await jest.advanceTimersByTimeAsync(1);
    await done;
    window.exit();
    return waitedMs;
  }

  it('when messages arrive faster than a fetch is handled, then a fetch of several waits out the rest of the window', async () => {
    const window = new BatchWindow(40);
    // Fetches of 10 messages each handled in 10 ms, back to back: a backlog builds.
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) waits.push(await fetch(window, 10, 10));
    expect(window.busy).toBe(true);
    expect(waits.at(-1)).toBe(30); // 10 ms handling + 30 ms waiting = the window
    // A fetch of one message never waits: nothing else was there.
    expect(await fetch(window, 1, 10)).toBe(0);
  });

  it('when the consumer keeps up (a message now and then), then nothing waits: each is handled as it lands', async () => {
    const window = new BatchWindow(60_000);
    for (let i = 0; i < 10; i++) {
      expect(await fetch(window, i % 3 === 0 ? 2 : 1, 3)).toBe(0);
      jest.advanceTimersByTime(25); // the next message comes 25 ms later
    }
    expect(window.busy).toBe(false);
  });

  it('when the consumer stops, then a wait in progress ends at once and none begins', async () => {
    const window = new BatchWindow(40);
    for (let i = 0; i < 10; i++) await fetch(window, 10, 10);
    window.enter(10);
    jest.advanceTimersByTime(10);
    let ended = false;
    const waiting = window.waitOut().then(() => (ended = true));
    await jest.advanceTimersByTimeAsync(10);
    expect(ended).toBe(false); // 20 ms of the window are left
    window.close();
    await waiting;
    window.exit();
    expect(await fetch(window, 10, 10)).toBe(0);
  });

  it('when a window is 0, then nothing waits, however busy', async () => {
    const window = new BatchWindow(0);
    for (let i = 0; i < 10; i++) expect(await fetch(window, 10, 10)).toBe(0);
  });
});
