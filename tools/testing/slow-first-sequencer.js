/**
 * jest's own order runs the test files that took longest last time first, so that no worker
 * sits idle at the end of the run; on a fresh clone (CI) it has no timings and goes by file
 * size, which put the three-minute bench smoke run last, alone. A file that knows it is long
 * says so in a comment, `@slow <about how many seconds it takes in a full run>`, and runs first when jest has no
 * timing of its own for it.
 *
 * A file that loads the whole machine (a whole system under load, three brokers) adds `@heavy`
 * to that line. It runs alone: no other file beside it (tools/testing/src/heavy-turn.ts, which
 * every integration file waits on), since two of them side by side starve each other on two
 * cores (a payment of the fault suite took 75 s beside the bench smoke, 12 s alone), and lighter
 * files beside the fault suite had a restarted broker miss 120 s. So the heavy files go last,
 * longest first, once the rest has run side by side: placed first, the other worker would wait
 * for them with nothing to do.
 */
const fs = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const SLOW = /^\/\/ @slow (\d+)( @heavy)?/; // the first line only, as the docs say

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const expected = new Map();
    const size = new Map();
    const heavy = new Set();
    for (const test of tests) {
      const text = fs.readFileSync(test.path, 'utf8');
      const marked = SLOW.exec(text);
      const cached = this.time(test);
      // jest's own estimate, which it uses to decide whether to run a small run in one process.
      test.duration = cached;
      expected.set(test, cached ?? (marked ? Number(marked[1]) * 1000 : undefined));
      size.set(test, text.length);
      if (marked?.[2] === ' @heavy') heavy.add(test);
    }
    const ordered = [...tests].sort(
      (a, b) =>
        Number(this.hasFailed(b)) - Number(this.hasFailed(a)) ||
        (expected.get(b) ?? 0) - (expected.get(a) ?? 0) ||
        size.get(b) - size.get(a),
    );
    return [...ordered.filter((t) => !heavy.has(t)), ...ordered.filter((t) => heavy.has(t))];
  }
}

module.exports = SlowFirstSequencer;
