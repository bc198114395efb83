import fs from 'node:fs';
import { PostgresOperator } from './postgres-operator';
import { PostgresPair } from './postgres-pair';
import type { ProductionShapeState } from './shape';

/**
 * The production shape's operator as a process of its own (started detached by
 * `infra up --shape=production`): fails the database over when its primary is lost, for as long
 * as the shape runs. Its lines go to `.infra/production-shape/operator.log`.
 */
const shapeFile = process.argv[2];
if (!shapeFile || !fs.existsSync(shapeFile)) {
  console.error(`[operator] usage: operator-main <shape.json>; got "${shapeFile}"`);
  process.exit(1);
}
const shape = JSON.parse(fs.readFileSync(shapeFile, 'utf8')) as ProductionShapeState;
const pair = new PostgresPair(shape.postgres);
const operator = new PostgresOperator(pair, (line) =>
  console.log(`${new Date().toISOString()} [operator] ${line}`),
).start();
// `infra switchover` asks for a planned switchover (what `kubectl cnpg promote` does).
process.on('SIGUSR2', () => void operator.switchover().catch(() => undefined));
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.once(signal, () => void operator.stop().then(() => process.exit(0)));
