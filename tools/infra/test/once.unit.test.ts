import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Each child takes the helper from the built code, as infra's CLI and the tests' brokers do.
const ONCE = path.resolve(__dirname, '../dist/once.js');

/** A process that does slow work once across processes: appends its pid, then the marker. */
function contender(dir: string): Promise<number> {
  const script = `
    const fs = require('node:fs');
    const { onceAcrossProcesses } = require(${JSON.stringify(ONCE)});
    const dir = ${JSON.stringify(dir)};
    onceAcrossProcesses(dir + '/marker', dir + '/lock', () => {
      fs.appendFileSync(dir + '/work', process.pid + '\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
      fs.writeFileSync(dir + '/marker', 'done');
    });
    if (!fs.existsSync(dir + '/marker')) process.exit(3);
  `;
  return new Promise((resolve) =>
    spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', (code) =>
      resolve(code ?? -1),
    ),
  );
}

describe('work done once across processes (the broker jars that test files resolve together)', () => {
  it('when four processes ask at once, then one does the work and every one returns after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'once-'));
    const codes = await Promise.all([1, 2, 3, 4].map(() => contender(dir)));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(fs.readFileSync(path.join(dir, 'work'), 'utf8').trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when a lock was left by a process that died long ago, then the next one takes it over', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'once-'));
    const lock = path.join(dir, 'lock');
    fs.mkdirSync(lock);
    const old = new Date(Date.now() - 60 * 60_000);
    fs.utimesSync(lock, old, old);
    expect(await contender(dir)).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'work'), 'utf8').trim().split('\n')).toHaveLength(1);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
