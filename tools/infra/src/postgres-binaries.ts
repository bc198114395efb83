import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run, which } from './proc';

/** Where this machine's PostgreSQL server programs are (pg_ctl, initdb, …), if it has them. */
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

/**
 * Runs a Postgres tool as `asPostgresUser` says, from `/`: the postgres user may not be able to
 * enter our working directory, and the tools complain of it on every run.
 */
export function runAsPostgres(cmd: string, args: string[]): string {
  return run(...asPostgresUser(cmd, args), { cwd: '/' });
}
