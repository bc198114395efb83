import fs from 'node:fs';
import path from 'node:path';
import { isAlive, spawnDetached } from '../proc';
import { INFRA_DIR, say } from '../settings';
import type { InfraState } from '../state';
import { PRODUCTION_SHAPE_PORTS } from './ports';
import { ProductionShape, type ShapeState } from './shape';

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
    `production shape up: Kafka ${shape.kafkaBrokers.join(',')}, Postgres ${shape.databaseUrl} (operator log: ${path.join(home, 'operator.log')})`,
  );
}

export async function productionDown(state: InfraState): Promise<void> {
  if (!state.production) return;
  await ProductionShape.attach(state.production).stop();
  say('production shape stopped (its data stays in .infra/production)');
  delete state.production;
}

function running(shape: ShapeState): boolean {
  return (
    Object.values(shape.kafka.pids).every(isAlive) &&
    isAlive(shape.rwServicePid) &&
    (shape.operatorPid === undefined || isAlive(shape.operatorPid))
  );
}
