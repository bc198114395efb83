import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import pg from 'pg';
import { isOutside, placePostgresData } from './postgres-data';
import { asPostgresUser, postgresBinDir, runAsPostgres } from './postgres-binaries';
import { INFRA_DIR, SERVICE_DATABASES, say } from './settings';
import type { InfraState } from './state';

export async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Uses the server at `url`, or starts a private one on its port with its data for `infraDir`
 * (placed where the postgres user can reach it: `placePostgresData`).
 */
export async function postgresUp(
  url: string,
  state: InfraState,
  infraDir: string = INFRA_DIR,
): Promise<void> {
  if (await postgresReachable(url)) {
    say(`PostgreSQL reachable at ${new URL(url).host}`);
  } else {
    const bin = postgresBinDir();
    if (!bin) {
      throw new Error(
        `No PostgreSQL answers at ${new URL(url).host} and no PostgreSQL binaries were found. ` +
          'Install them (apt-get install postgresql) or run the stack with `docker compose up`.',
      );
    }
    const port = Number(new URL(url).port || 5432);
    fs.mkdirSync(infraDir, { recursive: true });
    const dataDir = placePostgresData(path.join(infraDir, 'postgres'));
    if (isOutside(dataDir, infraDir))
      say(
        `its data is outside the checkout, where the postgres user can reach it: ${dataDir} (infra:down removes it)`,
      );
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      say(`initialising a private PostgreSQL in ${dataDir}`);
      runAsPostgres(path.join(bin, 'initdb'), [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
      ]);
    }
    say(`starting a private PostgreSQL on port ${port}`);
    runAsPostgres(path.join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-o',
      `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300`,
      '-w',
      'start',
    ]);
    state.postgres = { dataDir, port };
  }
  for (const db of SERVICE_DATABASES) await ensureDatabase(withDatabase(url, db));
  say(`databases ready: ${SERVICE_DATABASES.join(', ')}`);
}

/** Stops the private server; its data goes too when it was placed outside `infraDir`. */
export function postgresDown(state: InfraState, infraDir: string = INFRA_DIR): void {
  if (!state.postgres) return;
  const { dataDir } = state.postgres;
  const bin = postgresBinDir();
  // A server already gone (a reboot) is stopped: its data is still removed below.
  if (bin && serverRuns(bin, dataDir)) {
    runAsPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', 'stop']);
    say('private PostgreSQL stopped');
  }
  // Nothing else would remove it: deleting the checkout leaves it behind.
  if (isOutside(dataDir, infraDir)) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    say(`its data, kept outside the checkout, removed (${dataDir})`);
  }
  delete state.postgres;
}

/** `pg_ctl status`: 0 while a server runs on the data directory. */
function serverRuns(bin: string, dataDir: string): boolean {
  const [cmd, args] = asPostgresUser(path.join(bin, 'pg_ctl'), ['-D', dataDir, 'status']);
  return spawnSync(cmd, args, { cwd: '/' }).status === 0;
}
