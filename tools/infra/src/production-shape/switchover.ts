import fs from 'node:fs';
import path from 'node:path';
import { NotYet, retryUntil } from '@ticketing/platform';
import { isAlive } from '../proc';
import { say } from '../settings';
import type { InfraState } from '../state';

/**
 * A planned switchover of the production shape's Postgres, done by its operator process; resolves
 * once the operator says the old primary streams from the new one (or that it failed).
 */
export async function productionShapeSwitchover(state: InfraState): Promise<void> {
  const pid = state.productionShape?.operatorPid;
  if (!state.productionShape || pid === undefined || !isAlive(pid))
    throw new Error('the production shape is not running: npm run infra:up -- --shape=production');
  const log = path.join(state.productionShape.home, 'operator.log');
  const from = fs.existsSync(log) ? fs.statSync(log).size : 0;
  process.kill(pid, 'SIGUSR2');
  let told = 0;
  const failed = new Error('the switchover failed (operator.log)');
  await retryUntil(
    () => {
      const lines = fs.readFileSync(log, 'utf8').slice(from).split('\n').filter(Boolean);
      for (const line of lines.slice(told)) say(line.replace(/^\S+ \[operator\] /, 'operator: '));
      told = lines.length;
      if (lines.some((l) => l.includes('move failed:'))) throw failed;
      if (!lines.some((l) => l.includes('commits wait for it again'))) throw new NotYet();
    },
    {
      timeoutMs: 120_000,
      intervalMs: 250,
      retryOn: (err) => err !== failed,
      onTimeout: () => new Error('no switchover within 120 s (operator.log)'),
    },
  );
}
