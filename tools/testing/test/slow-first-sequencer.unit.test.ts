import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const SlowFirstSequencer = require('../slow-first-sequencer.js') as new () => {
  sort(tests: { path: string; context: unknown }[]): { path: string }[];
};

describe('the order jest starts test files in on a fresh clone', () => {
  /** Writes test files into a folder of their own; returns each one's path. */
  const fileInFreshFolder = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sequencer-'));
    return (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
  };

  /** The order the sequencer gives these files on a fresh clone (no cache), by file name. */
  const startOrder = (paths: string[]) => {
    const context = { config: { cache: false } };
    const order = new SlowFirstSequencer().sort(paths.map((p) => ({ path: p, context })));
    return order.map((t) => path.basename(t.path));
  };

  it('when jest has no timings, then files marked @slow start first, longest first, then the rest by size', () => {
    const file = fileInFreshFolder();
    const big = file('big.int.test.ts', 'x'.repeat(5000));
    const small = file('small.int.test.ts', 'x');
    const slow = file('slow.int.test.ts', '// @slow 60: seconds it takes\n');
    const slowest = file('slowest.int.test.ts', '// @slow 240: seconds it takes\n');

    expect(startOrder([small, slow, big, slowest])).toEqual([
      'slowest.int.test.ts',
      'slow.int.test.ts',
      'big.int.test.ts',
      'small.int.test.ts',
    ]);
  });

  it('when two files are marked @heavy, then they run after every other file, the longer first (each alone: heavy-turn.ts)', () => {
    const file = fileInFreshFolder();
    const faults = file('faults.int.test.ts', '// @slow 240 @heavy: seconds it takes\n');
    const smoke = file('smoke.int.test.ts', '// @slow 210 @heavy: seconds it takes\n');
    const slow = file('slow.int.test.ts', '// @slow 60: seconds it takes\n');
    const small = file('small.int.test.ts', 'x');

    expect(startOrder([small, smoke, faults, slow])).toEqual([
      'slow.int.test.ts',
      'small.int.test.ts',
      'faults.int.test.ts',
      'smoke.int.test.ts',
    ]);
  });
});
