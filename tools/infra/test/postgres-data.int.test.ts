import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  cannotPlaceMessage,
  isOutside,
  outsidePlace,
  placePostgresData,
  postgresUser,
} from '../src/postgres-data';
import { postgresDown, postgresReachable, postgresUp } from '../src/postgres';
import { postgresBinDir, runAsPostgres } from '../src/postgres-binaries';
import { freePort } from '../src/proc';
import type { InfraState } from '../src/state';

const asRoot = os.userInfo().uid === 0;

/**
 * A checkout in a folder only its owner can enter (what `mktemp -d` makes, and a root user's
 * home), where the project starts its own Postgres: as root, Postgres runs as the postgres user,
 * which cannot reach the checkout's `.infra`.
 */
describe('a private Postgres from a checkout in a 0700 folder', () => {
  let closed: string;
  let infraDir: string;
  let url: string;
  let bin: string;
  const started: InfraState[] = [];

  beforeAll(async () => {
    const found = postgresBinDir();
    if (!found)
      throw new Error(
        'the PostgreSQL binaries are needed to start a private Postgres (apt-get install postgresql)',
      );
    bin = found;
    closed = fs.mkdtempSync(path.join(os.tmpdir(), 'clone-'));
    fs.chmodSync(closed, 0o700);
    infraDir = path.join(closed, 'checkout', '.infra');
    url = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
  });

  afterAll(() => {
    // Whatever a failed test left running or placed outside the checkout.
    for (const state of started) postgresDown(state, infraDir);
    fs.rmSync(closed, { recursive: true, force: true });
  });

  it('when up runs, then Postgres answers on data of the user it runs as, a second start finds it again and down removes what lies outside the checkout', async () => {
    const first: InfraState = {};
    started.push(first);
    await postgresUp(url, first, infraDir);
    expect(await postgresReachable(url)).toBe(true);
    const dataDir = first.postgres!.dataDir;
    const stat = fs.statSync(dataDir);
    expect(stat.uid).toBe(asRoot ? postgresUser()!.uid : os.userInfo().uid);
    expect(stat.mode & 0o777).toBe(0o700);
    // As root the postgres user cannot enter the checkout; otherwise Postgres runs as us, there.
    expect(isOutside(dataDir, closed)).toBe(asRoot);
    await query(url, 'create table found_again (n int)');
    await query(url, 'insert into found_again values (70)');

    // What a reboot does: the server gone, the data kept.
    runAsPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    expect(await postgresReachable(url)).toBe(false);
    const second: InfraState = {};
    started.push(second);
    await postgresUp(url, second, infraDir);
    expect(second.postgres!.dataDir).toBe(dataDir);
    expect(await query(url, 'select n from found_again')).toEqual([{ n: 70 }]);

    postgresDown(second, infraDir);
    expect(await postgresReachable(url)).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(!asRoot); // in the checkout it stays, as it always did
  }, 60_000);

  it('when neither the checkout nor the place outside it can be entered, then nothing is made and one sentence names the folder and the fix', () => {
    const dir = path.join(closed, 'other-checkout', '.infra', 'postgres');
    if (!asRoot) {
      // Postgres runs as us: the checkout is always ours to use.
      expect(placePostgresData(dir)).toBe(dir);
      return;
    }
    // A postgres user whose home is in the closed folder too: no place it can enter.
    const user = { ...postgresUser()!, home: path.join(closed, 'home') };
    fs.mkdirSync(user.home);
    const outside = outsidePlace(dir, user.home);
    expect(() => placePostgresData(dir, user)).toThrow(
      cannotPlaceMessage(closed, outside, `that user cannot enter ${closed}`),
    );
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
