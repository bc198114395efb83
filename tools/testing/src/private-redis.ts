import path from 'node:path';
import { INFRA_DIR, LocalRedis, type RedisClusterOptions } from '@ticketing/infra';
import { randomSuffix } from './ids';

/**
 * A Redis of one test file's own (its own ports and folder, no persistence, as a managed Redis'
 * memory is): one server, or a cluster with `cluster`'s options, so the test can kill it or
 * restart it empty without disturbing any other test: the machine's shared Redis is never
 * emptied. `destroy()` stops it and removes its folder.
 */
export const privateRedis = (
  options: { cluster?: RedisClusterOptions } = {},
): Promise<LocalRedis> =>
  LocalRedis.start({ dir: path.join(INFRA_DIR, `redis-test-${randomSuffix()}`), ...options });
