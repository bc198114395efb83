import fs from 'node:fs';
import os from 'node:os';

/**
 * The memory allocator the project's Node programs run on: jemalloc, as the image preloads it
 * (Dockerfile, ADR 0043), wherever this machine has it, so that what `npm start`, the tests and
 * the rehearsal measure is what a cluster runs. glibc's malloc keeps the pages of the memory V8's
 * background threads free in their arenas: a soak's queue instances gained 10 – 14 MB of RSS in
 * steps with their heap and their malloc'd memory flat. `SERVICES_MALLOC=glibc` runs them on
 * glibc's (to compare), and a machine without jemalloc does so too, saying which in the reports.
 */
export type Allocator = 'jemalloc' | 'glibc';

/** Where Debian's and most distributions' `libjemalloc2` installs the library. */
export const JEMALLOC_LIBRARIES = [
  `/usr/lib/${os.arch() === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libjemalloc.so.2`,
  '/usr/lib64/libjemalloc.so.2',
  '/usr/local/lib/libjemalloc.so.2',
];

/** The jemalloc library on this machine, if it has one and it is not turned off. */
export function jemallocLibrary(source: NodeJS.ProcessEnv = process.env): string | undefined {
  const wanted = source.SERVICES_MALLOC ?? 'jemalloc';
  if (wanted !== 'jemalloc' && wanted !== 'glibc')
    throw new Error(`SERVICES_MALLOC: expected jemalloc or glibc, got ${wanted}`);
  if (wanted === 'glibc' || os.platform() !== 'linux') return undefined;
  return JEMALLOC_LIBRARIES.find((file) => fs.existsSync(file));
}

/** The allocator a program the project starts runs on. */
export const allocatorOf = (source: NodeJS.ProcessEnv = process.env): Allocator =>
  jemallocLibrary(source) ? 'jemalloc' : 'glibc';

/** The variables that give a program the project starts that allocator. */
export function allocatorEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const library = jemallocLibrary(source);
  return library ? { LD_PRELOAD: library } : {};
}
