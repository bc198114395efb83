import fs from 'node:fs';
import path from 'node:path';
import { QUEUE_SCRIPTS } from '../src/data-access/scripts';

const LUA = path.join(__dirname, '../src/data-access/lua');

/** Each of the queue's scripts as the file Redis runs: its includes put in, once each. */
describe("the queue's Lua scripts", () => {
  it('when loaded, then every file of the folder is a script the queue runs', () => {
    const files = fs.readdirSync(LUA).filter((f) => f.endsWith('.lua'));
    expect(Object.keys(QUEUE_SCRIPTS).sort()).toEqual(files.map((f) => f.slice(0, -4)).sort());
  });

  it.each(Object.entries(QUEUE_SCRIPTS))(
    'when %s is loaded, then its includes are resolved and every function it calls is defined',
    (_name, text) => {
      expect(text).not.toMatch(/#include/);
      for (const fn of ['now_ms', 'take_number']) {
        if (!new RegExp(`\\b${fn}\\(`).test(text)) continue;
        expect(text.match(new RegExp(`local function ${fn}\\(`, 'g'))).toHaveLength(1);
      }
    },
  );

  it('when a join asks for its place, then the claim and the join at once share one check', () => {
    const shared = fs.readFileSync(path.join(LUA, 'include/held-or-pending.lua'), 'utf8').trim();
    expect(QUEUE_SCRIPTS.claim).toContain(shared);
    expect(QUEUE_SCRIPTS['join-at-once']).toContain(shared);
  });
});
