import os from 'node:os';
import { run, which } from './proc';
import { say } from './settings';

/**
 * A program from Debian's packages (HAProxy for the production shape), installed with apt-get
 * when it is missing and this process may (root); otherwise an error saying what to install.
 * Returns the program's path.
 */
export function ensureDebianPackage(program: string, debianPackage: string): string {
  const found = which(program, ['/usr/sbin', '/usr/bin']);
  if (found) return found;
  if (os.userInfo().uid !== 0 || !which('apt-get', ['/usr/bin'])) {
    throw new Error(`${program} is needed here: apt-get install ${debianPackage}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  say(`installing ${debianPackage} from Debian's packages`);
  try {
    run('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { env });
  } catch {
    // A machine whose package lists were never fetched knows no package yet.
    run('apt-get', ['update'], { env });
    run('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], { env });
  }
  const installed = which(program, ['/usr/sbin', '/usr/bin']);
  if (!installed)
    throw new Error(`apt-get installed ${debianPackage}, but ${program} is not there`);
  return installed;
}
