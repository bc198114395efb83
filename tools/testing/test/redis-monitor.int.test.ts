import Redis from 'ioredis';
import { eventually, monitorRedis, randomSuffix, testInfra } from '../src';

describe("Redis's record of commands", () => {
  it('when a command runs with quotes, spaces and bytes in its arguments, then the monitor hears it as sent', async () => {
    const key = `monitor-${randomSuffix()}`;
    const heard: string[][] = [];
    const monitor = await monitorRedis(testInfra().redisUrl, (args) => {
      if (args[1] === key) heard.push(args);
    });
    const redis = new Redis(testInfra().redisUrl);
    try {
      await redis.set(key, 'say "hi"\\ there\n\x01');
      await eventually(() => expect(heard).toEqual([['set', key, 'say "hi"\\ there\n\x01']]));
    } finally {
      monitor.stop();
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('when Redis is busy with other clients as the monitor starts, then it starts, every time', async () => {
    const redis = new Redis(testInfra().redisUrl);
    let busy = true;
    const load = (async () => {
      while (busy) await redis.ping();
    })();
    try {
      for (let i = 0; i < 20; i++) (await monitorRedis(testInfra().redisUrl, () => {})).stop();
    } finally {
      busy = false;
      await load;
      redis.disconnect();
    }
  });
});
