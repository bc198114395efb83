import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDatabase, withDatabase } from '@ticketing/platform/wiring';
import pg from 'pg';
import { run, which } from './proc';
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

export function postgresBinDir(): string | undefined {
  // The real directory: a pg_ctl linked onto the PATH has the other tools beside its target.
  const onPath = which('pg_ctl');
  if (onPath) return path.dirname(fs.realpathSync(onPath));
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs.readdirSync(base).sort((a, b) => Number(b) - Number(a));
  return versions
    .map((v) => path.join(base, v, 'bin'))
    .find((d) => fs.existsSync(path.join(d, 'pg_ctl')));
}

/** Postgres refuses to run as root: run its tools as the `postgres` user when we are root. */
export function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  if (os.userInfo().uid !== 0) return [cmd, args];
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

export async function postgresUp(url: string, state: InfraState): Promise<void> {
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
    const dataDir = path.join(INFRA_DIR, 'postgres');
    fs.mkdirSync(INFRA_DIR, { recursive: true });
    if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
      say(`initialising a private PostgreSQL in ${dataDir}`);
      fs.mkdirSync(dataDir, { recursive: true });
      if (os.userInfo().uid === 0) run('chown', ['-R', 'postgres', dataDir]);
      run(
        ...asPostgresUser(path.join(bin, 'initdb'), [
          '-D',
          dataDir,
          '-U',
          'postgres',
          '--auth=trust',
          '-E',
          'UTF8',
        ]),
      );
    }
    say(`starting a private PostgreSQL on port ${port}`);
    run(
      ...asPostgresUser(path.join(bin, 'pg_ctl'), [
        '-D',
        dataDir,
        '-l',
        path.join(dataDir, 'server.log'),
        '-o',
        `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=300`,
        '-w',
        'start',
      ]),
    );
    state.postgres = { dataDir, port };
  }
  for (const db of SERVICE_DATABASES) await ensureDatabase(withDatabase(url, db));
  say(`databases ready: ${SERVICE_DATABASES.join(', ')}`);
}

export function postgresDown(state: InfraState): void {
  if (!state.postgres) return;
  const bin = postgresBinDir();
  if (bin)
    run(
      ...asPostgresUser(path.join(bin, 'pg_ctl'), [
        '-D',
        state.postgres.dataDir,
        '-m',
        'fast',
        'stop',
      ]),
    );
  say('private PostgreSQL stopped');
  delete state.postgres;
}
