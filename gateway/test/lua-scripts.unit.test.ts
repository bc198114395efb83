import fs from 'node:fs';
import path from 'node:path';
import { loadLuaScripts } from '@ticketing/platform/wiring';

const LUA = path.join(__dirname, '../src/lua');

describe("the gateway's Lua scripts", () => {
  it('when loaded, then each takes the time from the one shared clock function', () => {
    const names = fs.readdirSync(LUA).map((f) => f.replace(/\.lua$/, ''));
    const scripts = loadLuaScripts(LUA, names);
    for (const text of Object.values(scripts)) {
      expect(text).not.toMatch(/#include/);
      expect(text.match(/local function now_ms\(/g)).toHaveLength(1);
      expect(text).not.toMatch(/redis\.call\('TIME'\)[\s\S]*redis\.call\('TIME'\)/);
    }
    expect(Object.keys(scripts).sort()).toEqual(['heartbeat', 'take']);
  });
});
