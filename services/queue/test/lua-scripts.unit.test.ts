import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_SCRIPTS, script } from '../src/data-access/scripts';

const LUA = path.join(__dirname, '../src/data-access/lua');
const scripts = [...QUEUE_SCRIPTS.values()];

/** Each of the queue's scripts as the file Redis runs: its includes put in, once each. */
describe("the queue's Lua scripts", () => {
  it('when loaded, then every file of the folder is a script, named with its number of keys', () => {
    const files = fs.readdirSync(LUA).filter((f) => f.endsWith('.lua'));
    expect(scripts.map((s) => `${s.name}-${s.numberOfKeys}.lua`).sort()).toEqual(files.sort());
  });

  it.each(scripts.map((s) => [s.name, s.lua]))(
    'when %s is loaded, then its includes are resolved and every function it calls is defined',
    (_name, text) => {
      expect(text).not.toMatch(/#include/);
      for (const fn of ['now_ms', 'take_number']) {
        if (!new RegExp(`\\b${fn}\\(`).test(text)) continue;
        expect(text.match(new RegExp(`local function ${fn}\\(`, 'g'))).toHaveLength(1);
      }
    },
  );

  it('when a script is called with another number of keys than its file says, or by an unknown name, then the call fails before it is sent', () => {
    expect(() => script('advance', ['meta'])).toThrow(/advance takes 4 key\(s\), not 1/);
    expect(() => script('no-such-script', [])).toThrow(/no Lua script named no-such-script/);
    expect(script('claim', ['bucket'], ['field'])).toEqual({
      name: 'queueClaim',
      args: ['bucket', 'field'],
    });
  });

  it('when a join asks for its place, then the claim and the join at once share one check', () => {
    const shared = fs.readFileSync(path.join(LUA, 'include/held-or-pending.lua'), 'utf8').trim();
    expect(QUEUE_SCRIPTS.get('claim')!.lua).toContain(shared);
    expect(QUEUE_SCRIPTS.get('join-at-once')!.lua).toContain(shared);
  });
});
