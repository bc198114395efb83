import { BoundedMemory } from '../src/bounded-memory';

describe('a bounded memory', () => {
  it('when more is remembered than it holds, then the entry remembered longest ago goes first', () => {
    const memory = new BoundedMemory<string, number>(2);
    memory.remember('a', 1);
    memory.remember('b', 2);
    memory.remember('a', 3); // remembered again: now the newest
    memory.remember('c', 4);
    expect([memory.recall('a'), memory.recall('b'), memory.recall('c')]).toEqual([3, undefined, 4]);
  });

  it('when it is cleared, then it recalls nothing it remembered', () => {
    const memory = new BoundedMemory<string, number>(2);
    memory.remember('a', 1);
    memory.remember('b', 2);
    memory.clear();
    expect([memory.recall('a'), memory.recall('b'), memory.size]).toEqual([
      undefined,
      undefined,
      0,
    ]);
  });

  it('when its capacity is 0, then it remembers nothing', () => {
    const memory = new BoundedMemory<string, number>(0);
    memory.remember('a', 1);
    expect(memory.recall('a')).toBeUndefined();
  });

  it('when an entry is taken, then it is returned once', () => {
    const memory = new BoundedMemory<string, number>(2);
    memory.remember('a', 1);
    expect([memory.take('a'), memory.take('a'), memory.recall('a')]).toEqual([
      1,
      undefined,
      undefined,
    ]);
  });

  it('when an entry is forgotten only if stale, then a newer one remembered since stays', () => {
    const memory = new BoundedMemory<string, { revision: string }>(2);
    memory.remember('a', { revision: 'r2' });
    memory.forgetIf('a', (v) => v.revision === 'r1');
    expect(memory.recall('a')).toEqual({ revision: 'r2' });
    memory.forgetIf('a', (v) => v.revision === 'r2');
    expect(memory.recall('a')).toBeUndefined();
    memory.remember('b', { revision: 'r1' });
    memory.forget('b');
    expect(memory.recall('b')).toBeUndefined();
  });
});

describe('a bounded memory that forgets with age', () => {
  function agingMemory() {
    let now = 1_000;
    const memory = new BoundedMemory<string, number>(100, {
      forgetAfterMs: 60_000,
      now: () => now,
    });
    return { memory, pass: (ms: number) => (now += ms) };
  }

  it('when an entry was not remembered again for longer than its age, then it is not recalled', () => {
    const { memory, pass } = agingMemory();
    memory.remember('a', 1);
    pass(60_000);
    expect(memory.recall('a')).toBe(1);
    pass(1);
    expect(memory.recall('a')).toBeUndefined();
  });

  it('when something new is remembered, then the entries older than the age are let go', () => {
    const { memory, pass } = agingMemory();
    memory.remember('ended elsewhere', 1);
    memory.remember('refreshed', 2);
    pass(30_000);
    memory.remember('refreshed', 3);
    pass(40_000);
    memory.remember('new', 4);
    expect(memory.size).toBe(2);
    expect([memory.recall('refreshed'), memory.recall('new')]).toEqual([3, 4]);
  });
});
