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
  it('when a fetch brought more than one message, then its batch waits out the rest of the window; once closed, nothing waits', async () => {
    const window = new BatchWindow(60);
    window.enter(1);
    window.enter(1); // a second partition's batch of the same fetch
    const began = Date.now();
    await window.waitOut();
    expect(Date.now() - began).toBeGreaterThanOrEqual(55);
    window.exit();
    window.exit();

    window.enter(5);
    const waiting = window.waitOut();
    window.close();
    const closedAt = Date.now();
    await waiting;
    expect(Date.now() - closedAt).toBeLessThan(50);
    window.exit();
  });

  it('when a fetch brought one message (nothing else was waiting), then it does not wait: the next is handled as it lands', async () => {
    const window = new BatchWindow(60_000);
    window.enter(1);
    const began = Date.now();
    await window.waitOut();
    expect(Date.now() - began).toBeLessThan(20);
    window.exit();
    // The next fetch counts afresh.
    window.enter(3);
    const busy = window.waitOut();
    window.close();
    await busy;
    window.exit();
  });

  it('when a window is 0, then nothing waits', async () => {
    const window = new BatchWindow(0);
    window.enter(10);
    const began = Date.now();
    await window.waitOut();
    expect(Date.now() - began).toBeLessThan(20);
  });
});
