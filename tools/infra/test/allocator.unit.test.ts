import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { allocatorEnv, allocatorOf, JEMALLOC_LIBRARIES } from '../src/allocator';

// This machine's jemalloc, if it has one: the programs the project starts run on it then.
const installed = JEMALLOC_LIBRARIES.find((file) => fs.existsSync(file));

describe('the allocator of the programs the project starts', () => {
  it('when nothing is asked, then it is jemalloc where the machine has it (preloaded), else glibc', () => {
    expect(allocatorEnv({})).toEqual(installed ? { LD_PRELOAD: installed } : {});
    expect(allocatorOf({})).toBe(installed ? 'jemalloc' : 'glibc');
  });

  it('when SERVICES_MALLOC=glibc, then nothing is preloaded', () => {
    expect(allocatorEnv({ SERVICES_MALLOC: 'glibc' })).toEqual({});
    expect(allocatorOf({ SERVICES_MALLOC: 'glibc' })).toBe('glibc');
  });

  it('when SERVICES_MALLOC names another allocator, then it is refused naming the variable', () => {
    expect(() => allocatorEnv({ SERVICES_MALLOC: 'tcmalloc' })).toThrow(/SERVICES_MALLOC/);
  });

  it('when a Node program is started with its variables, then the allocator it runs on is the one named', () => {
    const maps = spawnSync(
      process.execPath,
      ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))"],
      { env: { PATH: process.env.PATH ?? '', ...allocatorEnv({}) }, encoding: 'utf8' },
    );
    expect(maps.status).toBe(0);
    expect(maps.stdout.includes('libjemalloc')).toBe(installed !== undefined);
  });
});
