import fs from 'node:fs';
import path from 'node:path';

/**
 * Lua scripts are files (`<name>.lua`), loaded once when the process starts. A line
 * `-- #include <name>` stands for the file `<name>.lua` of the script folder's `include/`, or
 * else of the includes every service shares (`lua/` beside this file: `now-ms`). An include is
 * put in once per script (the first time it is named), and may include others.
 *
 * The files are read from beside the compiled code (`__dirname`): tsc does not copy them, so the
 * build does (`tools/infra/copy-lua.mjs`, run by `npm run build` and the image's build step).
 * Beside the code they are wherever the code is: the source tree under jest, `dist` under
 * `npm start` and in the image, which ships `dist` and nothing else of a package.
 */
export const SHARED_LUA_DIR = path.join(__dirname, 'lua');

const INCLUDE = /^--\s*#include\s+(\S+)\s*$/;

/** One script with its includes put in (`dir`: the script's folder). */
export function loadLuaScript(dir: string, name: string): string {
  const file = path.join(dir, `${name}.lua`);
  if (!fs.existsSync(file)) throw new Error(`Lua script ${file} not found`);
  return expand(file, [path.join(dir, 'include'), SHARED_LUA_DIR], new Set(), [file]);
}

/**
 * The scripts of a folder, by name, each loaded once. `names` lists every script the caller
 * runs: one missing, or a file of the folder nobody names, is an error here rather than a
 * script that is never run or a command that fails on its first call.
 */
export function loadLuaScripts<N extends string>(
  dir: string,
  names: readonly N[],
): Record<N, string> {
  const present = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => f.slice(0, -'.lua'.length));
  const unnamed = present.filter((p) => !(names as readonly string[]).includes(p));
  if (unnamed.length > 0)
    throw new Error(`Lua scripts in ${dir} that nobody runs: ${unnamed.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, loadLuaScript(dir, n)])) as Record<N, string>;
}

/** A script run as a command: its name, how many of its arguments are keys, its text. */
export interface LuaCommand {
  name: string;
  numberOfKeys: number;
  lua: string;
}

const COMMAND_FILE = /^(.+)-(\d+)\.lua$/;

/**
 * Every script of a folder, each named with its number of keys (`<name>-<keys>.lua`, as BullMQ
 * names its scripts): the file says both once, and nothing lists them again. A `.lua` file not
 * named so is an error here, not a script that is never run.
 */
export function loadLuaCommands(dir: string): Map<string, LuaCommand> {
  const commands = new Map<string, LuaCommand>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.lua'))) {
    const [, name, keys] = COMMAND_FILE.exec(file) ?? [];
    if (!name) throw new Error(`Lua script ${file} in ${dir}: not named <name>-<keys>.lua`);
    const text = loadLuaScript(dir, `${name}-${keys}`);
    commands.set(name, { name, numberOfKeys: Number(keys), lua: text });
  }
  return commands;
}

function expand(
  file: string,
  includeDirs: string[],
  included: Set<string>,
  chain: string[],
): string {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => {
      const name = INCLUDE.exec(line)?.[1];
      if (name === undefined) return line;
      const found = includeDirs
        .map((d) => path.join(d, `${name}.lua`))
        .find((f) => fs.existsSync(f));
      if (!found)
        throw new Error(
          `${chain.at(-1)}: include "${name}" not found in ${includeDirs.join(' or ')}`,
        );
      if (chain.includes(found))
        throw new Error(`Lua includes run in a circle: ${[...chain, found].join(' → ')}`);
      if (included.has(found)) return `-- (${name}: included above)`;
      included.add(found);
      return expand(found, includeDirs, included, [...chain, found]).replace(/\n$/, '');
    })
    .join('\n');
}
