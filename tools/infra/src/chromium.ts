import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ensureDebianPackage } from './debian';
import { say } from './settings';

/** Debian's Chromium, which the browser tests drive (playwright-core, never its own download). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The Debian package that puts Chromium at CHROMIUM_PATH. */
const PACKAGE = 'chromium';

/** The version line `chromium --version` prints, or undefined when it does not run. */
export function chromiumVersion(file = CHROMIUM_PATH): string | undefined {
  if (!fs.existsSync(file)) return undefined;
  const res = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/**
 * The browser the browser tests need, installed from Debian's packages when it is missing (the
 * project's own setup: `npm test`'s pretest runs this). Throws with the reason when it cannot:
 * a missing browser is a failure, never a silent skip.
 */
export function chromiumUp(): void {
  const present = chromiumVersion();
  if (present) return say(`${present} at ${CHROMIUM_PATH}`);
  // A developer's machine may opt out by name (tools/testing's prerequisites); CI never does.
  const ci = process.env.CI !== undefined && process.env.CI !== 'false';
  if (!ci && (process.env.TEST_OPT_OUT ?? '').split(',').some((s) => s.trim() === 'chromium'))
    return say('Chromium missing; the browser tests are opted out (TEST_OPT_OUT=chromium)');
  if (CHROMIUM_PATH !== '/usr/bin/chromium')
    throw new Error(`no Chromium runs at CHROMIUM_PATH=${CHROMIUM_PATH}`);
  ensureDebianPackage('chromium', PACKAGE);
  const installed = chromiumVersion();
  if (!installed)
    throw new Error(`Debian's ${PACKAGE} is installed, but ${CHROMIUM_PATH} does not run`);
  say(`${installed} installed at ${CHROMIUM_PATH}`);
}
