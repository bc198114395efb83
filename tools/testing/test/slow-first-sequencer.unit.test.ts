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

  it('when two files are marked @heavy, then the longer starts first and the other after every other file', () => {
    const file = fileInFreshFolder();
    const faults = file('faults.int.test.ts', '// @slow 240 @heavy: seconds it takes\n');
    const smoke = file('smoke.int.test.ts', '// @slow 210 @heavy: seconds it takes\n');
    const slow = file('slow.int.test.ts', '// @slow 60: seconds it takes\n');
    const small = file('small.int.test.ts', 'x');

    expect(startOrder([small, smoke, slow, faults])).toEqual([
      'faults.int.test.ts',
      'slow.int.test.ts',
      'small.int.test.ts',
      'smoke.int.test.ts',
    ]);
  });

  it('when a long file is marked @apart, then it starts once the first heavy file is expected to have ended, not beside it', () => {
    const file = fileInFreshFolder();
    const faults = file('faults.int.test.ts', '// @slow 240 @heavy: seconds it takes\n');
    const smoke = file('smoke.int.test.ts', '// @slow 210 @heavy: seconds it takes\n');
    const apart = file('apart.int.test.ts', '// @slow 120 @apart: seconds it takes\n');
    const a = file('a.int.test.ts', '// @slow 100: seconds it takes\n');
    const b = file('b.int.test.ts', '// @slow 90: seconds it takes\n');
    const c = file('c.int.test.ts', '// @slow 80: seconds it takes\n');
    const d = file('d.int.test.ts', '// @slow 60: seconds it takes\n');

    // Two workers: the fault suite on one until 240 s; a, b, c on the other until 270 s; the
    // next file to start is the first one after 240 s.
    expect(startOrder([d, c, b, a, apart, smoke, faults])).toEqual([
      'faults.int.test.ts',
      'a.int.test.ts',
      'b.int.test.ts',
      'c.int.test.ts',
      'apart.int.test.ts',
      'd.int.test.ts',
      'smoke.int.test.ts',
    ]);
  });

  it('when the files before an @apart file are not expected to last as long as the heavy one, then it starts after them, before the other heavy files', () => {
    const file = fileInFreshFolder();
    const faults = file('faults.int.test.ts', '// @slow 240 @heavy: seconds it takes\n');
    const smoke = file('smoke.int.test.ts', '// @slow 210 @heavy: seconds it takes\n');
    const apart = file('apart.int.test.ts', '// @slow 120 @apart: seconds it takes\n');
    const small = file('small.int.test.ts', 'x');

    expect(startOrder([small, apart, smoke, faults])).toEqual([
      'faults.int.test.ts',
      'small.int.test.ts',
      'apart.int.test.ts',
      'smoke.int.test.ts',
    ]);
  });
});
