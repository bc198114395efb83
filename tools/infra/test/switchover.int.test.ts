import fs from 'node:fs';
import path from 'node:path';
import { placePostgresData } from '../src/postgres-data';
import { postgresBinDir } from '../src/postgres-binaries';
import { freePort, isAlive, spawnDetached, stopPid } from '../src/proc';
import { PostgresPair } from '../src/production-shape/postgres-pair';
import { switchOver } from '../src/production-shape/switchover';
import { productionShapeSwitchover } from '../src/production-shape/up';
import { INFRA_DIR, ROOT } from '../src/settings';

/**
 * `infra switchover` against the production shape's Postgres pair and its operator as a process
 * of its own (as `infra up --shape=production` runs it): the tool asks the operator, and learns
 * from Postgres, not from what the operator writes, when the switchover is over.
 */
describe('the production shape: a planned switchover asked of its operator process', () => {
  const home = path.join(INFRA_DIR, `switchover-test-${process.pid}`);
  let pair: PostgresPair;
  let operatorPid = 0;

  beforeAll(async () => {
    if (!postgresBinDir())
      throw new Error(
        'the PostgreSQL binaries are needed for the production shape (apt-get install postgresql)',
      );
    const data = placePostgresData(path.join(home, 'postgres'));
    pair = await PostgresPair.create(data, [await freePort(), await freePort()]);
    const shapeFile = path.join(home, 'shape.json');
    fs.writeFileSync(shapeFile, JSON.stringify({ postgres: pair.instances }));
    // The operator as built (`npm run build`), as infra:up starts it.
    const main = path.join(ROOT, 'tools/infra/dist/production-shape/operator-main.js');
    operatorPid = spawnDetached(
      process.execPath,
      [main, shapeFile],
      path.join(home, 'operator.log'),
    );
  }, 120_000);

  afterAll(async () => {
    if (operatorPid) await stopPid(operatorPid, 10_000);
    pair?.destroy();
    fs.rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('when a switchover is asked for, then it returns once the standby is the primary and the old primary streams from it as the standby its commits wait for', async () => {
    const [first, second] = pair.instances;
    expect(await pair.roleOf(first)).toBe('primary');

    await switchOver(pair, operatorPid, path.join(home, 'operator.log'), 90_000);

    expect(await pair.roleOf(second)).toBe('primary');
    expect(await pair.roleOf(first)).toBe('standby');
    expect(await pair.streaming(second, { synchronous: true })).toBe(true);
    expect(isAlive(operatorPid)).toBe(true);
  }, 120_000);

  it('when the production shape does not run, then the switchover is refused at once, saying how to start it', async () => {
    await expect(productionShapeSwitchover({})).rejects.toThrow(
      'the production shape is not running: npm run infra:up -- --shape=production',
    );
  });
});
