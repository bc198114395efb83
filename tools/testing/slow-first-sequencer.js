/**
 * jest's own order runs the test files that took longest last time first, so that no worker
 * sits idle at the end of the run; on a fresh clone (CI) it has no timings and goes by file
 * size, which put the three-minute bench smoke run last, alone. A file that knows it is long
 * says so in a comment, `@slow <about how many seconds it takes in a full run>`, and runs first when jest has no
 * timing of its own for it.
 *
 * A file that loads the whole machine (a whole system under load, three brokers) adds `@heavy`
 * to that line. Two of them side by side starve each other on two cores (a payment of the fault
 * suite took 75 s beside the bench smoke, 12 s alone), so only the longest starts first; the
 * other heavy files run last, once the rest is done.
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
      expected.set(test, cached ?? (marked ? Number(marked[1]) * 1000 : 0));
      size.set(test, text.length);
      if (marked?.[2]) heavy.add(test);
    }
    const ordered = [...tests].sort(
      (a, b) =>
        Number(this.hasFailed(b)) - Number(this.hasFailed(a)) ||
        expected.get(b) - expected.get(a) ||
        size.get(b) - size.get(a),
    );
    const firstHeavy = ordered.find((t) => heavy.has(t));
    const later = ordered.filter((t) => heavy.has(t) && t !== firstHeavy);
    return [...ordered.filter((t) => !later.includes(t)), ...later];
  }
}

module.exports = SlowFirstSequencer;
