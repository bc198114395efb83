import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './proc';

/** The account PostgreSQL runs as when we are root (it refuses to run as root). */
export interface PostgresUser {
  uid: number;
  gid: number;
  home: string;
}

export const NO_POSTGRES_USER =
  'PostgreSQL refuses to run as root, and this machine has no postgres user to run it as: ' +
  'install the postgresql package (which makes that user) or run as another user.';

/** The `postgres` account from the system's user database (getent, so NSS too), if any. */
export function postgresUser(): PostgresUser | undefined {
  const res = spawnSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' });
  return res.status === 0 ? parsePasswdEntry(res.stdout) : undefined;
}

/** `name:password:uid:gid:gecos:home:shell`, as getent prints it. */
export function parsePasswdEntry(line: string): PostgresUser | undefined {
  const fields = line.trim().split(':');
  if (fields.length !== 7) return undefined;
  const [uid, gid, home] = [Number(fields[2]), Number(fields[3]), fields[5]!];
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || !path.isAbsolute(home)) return undefined;
  return { uid, gid, home };
}

/**
 * Where the data meant for `dir` goes when the postgres user cannot enter the checkout: a folder
 * of that user's home (which it can enter, and which no cleaner of temporary files empties),
 * named after a hash of `dir`'s absolute path, so the same checkout finds it again and two
 * checkouts never share one.
 */
export function outsidePlace(dir: string, home: string): string {
  const hash = createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 16);
  return path.join(home, `ticketing-${hash}`);
}

/** Whether `dir` lies outside `folder` (data placed outside the checkout, which it must remove). */
export function isOutside(dir: string, folder: string): boolean {
  const relative = path.relative(path.resolve(folder), path.resolve(dir));
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/** Every folder from the root down to `dir`, in the order a path lookup enters them. */
export function foldersOnTheWay(dir: string): string[] {
  const folders: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    folders.unshift(d);
    if (d === path.dirname(d)) return folders;
  }
}

/** What `up` says, and stops with, when neither the checkout nor the outside place can be used. */
export function cannotPlaceMessage(closed: string, outside: string, why: string): string {
  return (
    `PostgreSQL runs as the postgres user, who cannot enter ${closed}, and its data cannot go to ` +
    `${outside} instead (${why}): let that user through (chmod o+x ${closed}, and any folder ` +
    'below it that is closed too) or clone the project into a folder every user can enter.'
  );
}

/**
 * The folder for the data meant for `dir` (a folder of this checkout), made and owned by the
 * user PostgreSQL runs as. Not root: `dir` itself, as Postgres runs as us. Root: `dir` when the
 * postgres user can enter it, else (or when the checkout put it there before) the outside place
 * of `outsidePlace`, mode 0700. Throws one sentence naming the folder and the fix when neither
 * can be used, before anything is started on it.
 */
export function placePostgresData(
  dir: string,
  user: PostgresUser | undefined = postgresUser(),
): string {
  if (os.userInfo().uid !== 0) {
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }
  if (!user) throw new Error(NO_POSTGRES_USER);
  const outside = outsidePlace(dir, user.home);
  if (foundAgain(outside, user)) return outside;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const closed = firstClosedFolder(path.dirname(dir));
  if (closed === undefined) {
    fs.mkdirSync(dir, { recursive: true });
    run('chown', ['-R', 'postgres', dir]);
    return dir;
  }
  try {
    // Not recursive, and chown on what mkdir just made: a name another user put there first is
    // refused (EEXIST), never followed.
    fs.mkdirSync(outside, { mode: 0o700 });
    fs.chownSync(outside, user.uid, user.gid);
    fs.chmodSync(outside, 0o700); // whatever the umask took away or left
  } catch (err) {
    throw new Error(
      cannotPlaceMessage(closed, outside, (err as NodeJS.ErrnoException).code ?? String(err)),
    );
  }
  const closedToo = firstClosedFolder(outside);
  if (closedToo !== undefined) {
    fs.rmdirSync(outside);
    throw new Error(cannotPlaceMessage(closed, outside, `that user cannot enter ${closedToo}`));
  }
  return outside;
}

/** The outside place, when an earlier run made it; refused when it is not that user's folder. */
function foundAgain(outside: string, user: PostgresUser): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(outside);
  } catch {
    return false;
  }
  if (!stat.isDirectory() || stat.uid !== user.uid)
    throw new Error(
      `${outside} is where this checkout's PostgreSQL data goes, but it is not a folder of the ` +
        'postgres user: remove it and run again.',
    );
  return true;
}

/**
 * The first folder on the way to `dir` (itself included) that the postgres user cannot enter,
 * asked of the system as that user (modes, ACLs and all), in one process.
 */
function firstClosedFolder(dir: string): string | undefined {
  const res = spawnSync(
    'runuser',
    [
      '-u',
      'postgres',
      '--',
      'sh',
      '-c',
      'for d; do test -x "$d" || { printf %s "$d"; exit 1; }; done',
      'sh',
      ...foldersOnTheWay(dir),
    ],
    { encoding: 'utf8', cwd: '/' },
  );
  if (res.error) throw res.error;
  if (res.status === 0) return undefined;
  return res.stdout || dir;
}
