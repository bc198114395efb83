import fs from 'node:fs';
import path from 'node:path';
import { isOutside } from '../postgres-data';
import { isAlive } from '../proc';
import { INFRA_DIR, say } from '../settings';
import type { InfraState } from '../state';
import { PRODUCTION_SHAPE_PORTS } from './ports';
import { ProductionShape, type ProductionShapeState } from './shape';

/**
 * Starts the local stand-in for production's shape unless it runs already; its operator runs as
 * a process of its own.
 */
export async function productionShapeUp(state: InfraState): Promise<void> {
  if (state.productionShape && running(state.productionShape)) {
    say('production shape running');
    return;
  }
  // What is left of an earlier one: its processes would hold the ports.
  if (state.productionShape) await ProductionShape.attach(state.productionShape).stop();
  const home = path.join(INFRA_DIR, 'production-shape');
  say(
    'starting the production shape on this machine: three Kafka brokers, Postgres primary + standby, rw address, Redis Cluster',
  );
  const shape = await ProductionShape.start(home, PRODUCTION_SHAPE_PORTS, { say });
  state.productionShape = shape.state;
  shape.startOperatorProcess();
  say(
    `production shape up: Kafka ${shape.kafkaBrokers.join(',')}, Postgres ${shape.databaseUrl}, Redis ${shape.redisUrl} (operator log: ${shape.operatorLog})`,
  );
}

export async function productionShapeDown(state: InfraState): Promise<void> {
  if (!state.productionShape) return;
  const shape = ProductionShape.attach(state.productionShape);
  await shape.stop();
  say(`production shape stopped (its data stays in ${state.productionShape.home})`);
  // Nothing else would remove it: deleting the checkout leaves it behind.
  if (isOutside(shape.postgres.home, state.productionShape.home)) {
    fs.rmSync(shape.postgres.home, { recursive: true, force: true });
    say(`its Postgres data, kept outside the checkout, removed (${shape.postgres.home})`);
  }
  delete state.productionShape;
}

function running(shape: ProductionShapeState): boolean {
  return (
    Object.values(shape.kafka.pids).every(isAlive) &&
    isAlive(shape.rwServicePid) &&
    shape.redis.nodes.every((n) => isAlive(n.pid)) &&
    (shape.operatorPid === undefined || isAlive(shape.operatorPid))
  );
}

/**
 * A planned switchover of the production shape's Postgres (what `kubectl cnpg promote` asks of
 * CloudNativePG), done by the shape's operator process.
 */
export async function productionShapeSwitchover(state: InfraState): Promise<void> {
  const shape = state.productionShape;
  if (!shape || shape.operatorPid === undefined || !isAlive(shape.operatorPid))
    throw new Error('the production shape is not running: npm run infra:up -- --shape=production');
  await ProductionShape.attach(shape).switchover();
}
