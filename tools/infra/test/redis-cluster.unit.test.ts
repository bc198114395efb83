import { parseNodes, slotOf } from '../src/redis-cluster';

describe('reading a Redis Cluster', () => {
  it('when a key has a hash tag or none, then its slot is the one Redis computes (CLUSTER KEYSLOT)', () => {
    expect(slotOf('somekey')).toBe(11058);
    expect(slotOf('foo{hash_tag}')).toBe(2515);
    expect(slotOf('{hash_tag}:bar')).toBe(2515);
    expect(slotOf('pre:{q:7}:meta')).toBe(slotOf('q:7'));
  });

  it('when CLUSTER NODES is read, then primaries with their slots and replicas with their primary, failed nodes left out', () => {
    const text = [
      'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
      'b2 127.0.0.1:7002@17002 master - 0 0 2 connected 5461-10922 10923',
      'c3 127.0.0.1:7003@17003 slave a1 0 0 1 connected',
      'd4 127.0.0.1:7004@17004 master,fail - 0 0 3 connected',
    ].join('\n');
    expect(parseNodes(text)).toEqual([
      { port: 7001, role: 'primary', primaryPort: undefined, slots: [[0, 5460]] },
      {
        port: 7002,
        role: 'primary',
        primaryPort: undefined,
        slots: [
          [5461, 10922],
          [10923, 10923],
        ],
      },
      { port: 7003, role: 'replica', primaryPort: 7001, slots: [] },
    ]);
  });
});
