import { UpstreamPool } from '../src/upstream-pool';

describe('upstream pool', () => {
  it('when instances are healthy, then each request starts at the next one in turn', () => {
    const pool = new UpstreamPool(['a', 'b', 'c']);
    expect([pool.order()[0], pool.order()[0], pool.order()[0], pool.order()[0]]).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(pool.order()).toEqual(['b', 'c', 'a']);
  });

  it('when an instance refused a connection, then it goes last until its mark expires', () => {
    let now = 1000;
    const pool = new UpstreamPool(['a', 'b', 'c'], 2000, () => now);
    pool.markDown('a');
    expect(pool.order()).toEqual(['b', 'c', 'a']);
    expect(pool.order()).toEqual(['b', 'c', 'a']);
    now += 2000;
    expect(pool.order()).toEqual(['c', 'a', 'b']);
  });

  it('when every instance is marked down, then all are still tried', () => {
    const pool = new UpstreamPool(['a', 'b']);
    pool.markDown('a');
    pool.markDown('b');
    expect(pool.order().sort()).toEqual(['a', 'b']);
  });

  it('when an instance answers again, then marking it up puts it back in turn', () => {
    const pool = new UpstreamPool(['a', 'b']);
    pool.markDown('a');
    pool.markUp('a');
    expect(pool.order()).toEqual(['a', 'b']);
  });

  it('when there is no URL, then the pool refuses to exist', () => {
    expect(() => new UpstreamPool([])).toThrow();
  });
});
