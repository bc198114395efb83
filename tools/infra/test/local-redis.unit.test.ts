import { clusterSettings, redisServerArgs, type RedisNode } from '../src/local-redis';

const node: RedisNode = { port: 7001, busPort: 17001, home: '/tmp/redis/7001', pid: 0 };
const option = (args: string[], name: string) => args[args.indexOf(name) + 1];

describe('local Redis: the command line of a node', () => {
  it('when one server is asked for, then it listens on loopback, keeps nothing on disk and runs no cluster', () => {
    const args = redisServerArgs(node);
    expect(option(args, '--port')).toBe('7001');
    expect(option(args, '--bind')).toBe('127.0.0.1');
    expect(option(args, '--save')).toBe('');
    expect(option(args, '--appendonly')).toBe('no');
    expect(args.filter((a) => a.startsWith('--cluster'))).toEqual([]);
  });

  it("when a cluster node is asked for, then it runs in cluster mode on its bus port with the caller's node timeout", () => {
    const cluster = { primaries: 3, replicasPerPrimary: 1, nodeTimeoutMs: 1000 };
    const args = redisServerArgs(node, cluster);
    expect(option(args, '--cluster-enabled')).toBe('yes');
    expect(option(args, '--cluster-port')).toBe('17001');
    expect(option(args, '--cluster-config-file')).toBe('/tmp/redis/7001/nodes.conf');
    expect(option(args, '--cluster-node-timeout')).toBe('1000');
    expect(option(args, '--save')).toBe('');
  });
});

describe("local Redis: a cluster's settings", () => {
  it("when a caller leaves the cluster's settings out, then it gets production's shape: three primaries with a replica each, a lost node noticed in seconds", () => {
    expect(clusterSettings({})).toEqual({
      primaries: 3,
      replicasPerPrimary: 1,
      nodeTimeoutMs: 5000,
    });
  });

  it('when a test asks for a quick failover or no replicas, then it gets them and the rest stays', () => {
    expect(clusterSettings({ nodeTimeoutMs: 1000 })).toEqual({
      primaries: 3,
      replicasPerPrimary: 1,
      nodeTimeoutMs: 1000,
    });
    expect(clusterSettings({ replicasPerPrimary: 0 }).replicasPerPrimary).toBe(0);
  });
});
