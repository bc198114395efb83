import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED_LUA_DIR, loadLuaScript, loadLuaScripts } from '../src/redis-scripts';

/** A scratch folder of scripts: name → text (`include/x` for a local include). */
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, `${name}.lua`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return dir;
}

describe('Lua scripts as files with includes', () => {
  it('when a script includes a local and a shared file, then both stand where they were named', () => {
    const dir = folder({
      'include/first': 'local function first() return 1 end\n',
      main: '-- #include first\n-- #include now-ms\nreturn {first(), now_ms()}\n',
    });
    const text = loadLuaScript(dir, 'main');
    expect(text).toBe(
      'local function first() return 1 end\n' +
        fs.readFileSync(path.join(SHARED_LUA_DIR, 'now-ms.lua'), 'utf8').replace(/\n$/, '') +
        '\nreturn {first(), now_ms()}\n',
    );
    expect(text).not.toMatch(/#include/);
  });

  it('when two includes name the same one, then it is put in once', () => {
    const dir = folder({
      'include/clock': '-- #include now-ms\nlocal clock = now_ms\n',
      main: '-- #include now-ms\n-- #include clock\nreturn clock()\n',
    });
    const text = loadLuaScript(dir, 'main');
    expect(text.match(/local function now_ms/g)).toHaveLength(1);
    expect(text).toContain('-- (now-ms: included above)');
  });

  it('when an include is missing, then loading fails naming it and the script', () => {
    const dir = folder({ main: '-- #include nowhere\nreturn 1\n' });
    expect(() => loadLuaScript(dir, 'main')).toThrow(/main\.lua: include "nowhere" not found/);
  });

  it('when includes run in a circle, then loading fails naming the circle', () => {
    const dir = folder({
      'include/a': '-- #include b\n',
      'include/b': '-- #include a\n',
      main: '-- #include a\nreturn 1\n',
    });
    expect(() => loadLuaScript(dir, 'main')).toThrow(/circle: .*a\.lua → .*b\.lua → .*a\.lua/);
  });

  it('when a folder holds a script nobody names, or lacks one named, then loading fails', () => {
    const dir = folder({ used: 'return 1\n', stray: 'return 2\n' });
    expect(() => loadLuaScripts(dir, ['used'])).toThrow(/nobody runs: stray/);
    expect(() => loadLuaScripts(dir, ['used', 'stray', 'missing'])).toThrow(
      /missing\.lua not found/,
    );
    expect(loadLuaScripts(dir, ['used', 'stray'])).toEqual({
      used: 'return 1\n',
      stray: 'return 2\n',
    });
  });
});
