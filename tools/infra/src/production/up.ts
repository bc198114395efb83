import fs from 'node:fs';
import path from 'node:path';
import { isOutside } from '../postgres-data';
import { isAlive, spawnDetached } from '../proc';
import { INFRA_DIR, say } from '../settings';
import type { InfraState } from '../state';
import { PRODUCTION_SHAPE_PORTS } from './ports';
import { ProductionShape, type ShapeState } from './shape';
import { NotYet, retryUntil } from '@ticketing/platform';

/** Starts the production shape unless it runs already; its operator runs as a process of its own. */
export async function productionUp(state: InfraState): Promise<void> {
  if (state.production && running(state.production)) {
    say('production shape running');
    return;
  }
  if (state.production) await ProductionShape.attach(state.production).stop(); // what is left of it
  const home = path.join(INFRA_DIR, 'production');
  say('starting the production shape: three Kafka brokers, Postgres primary + standby, rw address');
  const shape = await ProductionShape.start(home, PRODUCTION_SHAPE_PORTS, { say });
  state.production = shape.state;
  const shapeFile = path.join(home, 'shape.json');
  fs.writeFileSync(shapeFile, JSON.stringify(shape.state, null, 2));
  state.production.operatorPid = spawnDetached(
    process.execPath,
    [path.join(__dirname, 'operator-main.js'), shapeFile],
    path.join(home, 'operator.log'),
  );
  say(
    `production shape up: Kafka ${shape.kafkaBrokers.join(',')}, Postgres ${shape.databaseUrl}, Redis ${shape.redisUrl} (operator log: ${path.join(home, 'operator.log')})`,
  );
}

export async function productionDown(state: InfraState): Promise<void> {
  if (!state.production) return;
  const shape = ProductionShape.attach(state.production);
  await shape.stop();
  say('production shape stopped (its data stays in .infra/production)');
  // Nothing else would remove it: deleting the checkout leaves it behind.
  if (isOutside(shape.postgres.home, state.production.home)) {
    fs.rmSync(shape.postgres.home, { recursive: true, force: true });
    say(`its Postgres data, kept outside the checkout, removed (${shape.postgres.home})`);
  }
  delete state.production;
}

function running(shape: ShapeState): boolean {
  return (
    Object.values(shape.kafka.pids).every(isAlive) &&
    isAlive(shape.rwServicePid) &&
    shape.redis.nodes.every((n) => isAlive(n.pid)) &&
    (shape.operatorPid === undefined || isAlive(shape.operatorPid))
  );
}

/**
 * A planned switchover of the production shape's Postgres, done by its operator process; resolves
 * once the operator says the old primary streams from the new one (or that it failed).
 */
export async function productionSwitchover(state: InfraState): Promise<void> {
  const pid = state.production?.operatorPid;
  if (!state.production || pid === undefined || !isAlive(pid))
    throw new Error('the production shape is not running: npm run infra:up -- --shape=production');
  const log = path.join(state.production.home, 'operator.log');
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
