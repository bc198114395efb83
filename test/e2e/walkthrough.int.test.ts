import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Database } from '@ticketing/platform';
import { createDb } from '@ticketing/platform/wiring';
import { eventually, testInfra } from '@ticketing/testing';
import { seedDemoCatalog } from '../../services/concert/src/domain/demo-catalog';
import { catalogIn } from '../../services/concert/src/start';
import { Cluster } from '../cluster';
import { expectSagaInvariants } from '../invariants';

const README = path.resolve(__dirname, '../../README.md');

/** The README's walkthrough, as written, pointed at this test's gateway and OpenID provider. */
function walkthrough(gateway: string, tokenEndpoint: string): string {
  const readme = fs.readFileSync(README, 'utf8');
  const block = /## A five-minute walkthrough[\s\S]*?```bash\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no walkthrough block');
  expect(block).toContain('G=http://localhost:8080');
  expect(block).toContain('http://localhost:8090/default/token');
  return block
    .replace('G=http://localhost:8080', `G=${gateway}`)
    .replace('http://localhost:8090/default/token', tokenEndpoint);
}

describe("the README's walkthrough", () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ instances: 1 });
    // The demo catalog, as npm start seeds it; its dates reach the reservation service's replica.
    const knex = createDb({ url: cluster.databaseUrl('concert'), applicationName: 'test' });
    await seedDemoCatalog(new Database(knex), catalogIn);
    await knex.destroy();
    const replica = createDb({ url: cluster.databaseUrl('reservation'), applicationName: 'test' });
    await eventually(
      async () => expect(Number((await replica('schedules').count({ n: '*' }))[0]!.n)).toBe(15),
      { timeoutMs: 30_000 },
    );
    await replica.destroy();
  }, 120_000);
  afterAll(async () => {
    try {
      await expectSagaInvariants(cluster);
    } finally {
      await cluster?.stop();
    }
  });

  it('when it is run twice on the same system, then both runs buy a seat, and the pass is spent after each', async () => {
    const discovery = (await (
      await fetch(`${testInfra().oidcIssuer}/.well-known/openid-configuration`)
    ).json()) as { token_endpoint: string };
    const script = walkthrough(cluster.url, discovery.token_endpoint);
    const seats: number[] = [];
    for (let run = 1; run <= 2; run++) {
      const result = spawnSync('bash', ['-e', '-c', script], { encoding: 'utf8', timeout: 60_000 });
      expect({ run, status: result.status, stderr: result.stderr }).toEqual({
        run,
        status: 0,
        stderr: '',
      });
      expect(result.stdout).toMatch(/"status":"COMPLETED"/);
      expect(result.stdout.trimEnd().endsWith('401')).toBe(true); // the spent pass, last
      const ticket =
        /"items":\[\{"reservationId":"[^"]+","userId":"[^"]+","concertId":\d+,"scheduleId":\d+,"seatNo":(\d+),"price":\d+,"status":"CONFIRMED"/.exec(
          result.stdout,
        );
      expect(ticket).not.toBeNull();
      seats.push(Number(ticket![1]));
    }
    expect(seats[1]).not.toBe(seats[0]);
  }, 120_000);
});
