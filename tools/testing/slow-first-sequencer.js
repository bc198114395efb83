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
 * other heavy files run last, once the rest is done. An order is not a guarantee (jest hands the
 * next file to whichever worker is free, and one that ran out of lighter files started a heavy
 * one beside the fault suite), so each heavy file also waits for its turn on the machine
 * (tools/testing/src/heavy-turn.ts).
 *
 * A long file that loads the machine less (one system and a broker of its own) adds `@apart`:
 * it starts early too, but not beside the first heavy file. Both at once had the fault suite
 * at 669 s on a slow VM, two and a half times its time beside lighter files. It is placed where
 * the files before it are expected to keep the other workers busy until that heavy file ends.
 */
const fs = require('node:fs');
const Sequencer = require('@jest/test-sequencer').default;

const SLOW = /^\/\/ @slow (\d+)( @heavy| @apart)?/; // the first line only, as the docs say
/**
 * What a file jest has no timing for and that is not marked is guessed to take: an integration
 * file loads its harness and a service (about 1 s of CPU) and runs for a few seconds in a full
 * run; a unit file, well under one.
 */
const GUESS_MS = { integration: 5000, unit: 500 };

class SlowFirstSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.workers = Math.max(1, options?.globalConfig?.maxWorkers ?? 2);
  }

  sort(tests) {
    const expected = new Map();
    const size = new Map();
    const heavy = new Set();
    const apart = new Set();
    for (const test of tests) {
      const text = fs.readFileSync(test.path, 'utf8');
      const marked = SLOW.exec(text);
      const cached = this.time(test);
      // jest's own estimate, which it uses to decide whether to run a small run in one process.
      test.duration = cached;
      expected.set(test, cached ?? (marked ? Number(marked[1]) * 1000 : undefined));
      size.set(test, text.length);
      if (marked?.[2] === ' @heavy') heavy.add(test);
      if (marked?.[2] === ' @apart') apart.add(test);
    }
    const ordered = [...tests].sort(
      (a, b) =>
        Number(this.hasFailed(b)) - Number(this.hasFailed(a)) ||
        (expected.get(b) ?? 0) - (expected.get(a) ?? 0) ||
        size.get(b) - size.get(a),
    );
    const firstHeavy = ordered.find((t) => heavy.has(t));
    const later = ordered.filter((t) => heavy.has(t) && t !== firstHeavy);
    let order = ordered.filter((t) => !later.includes(t));
    if (firstHeavy) {
      const guess = (t) =>
        expected.get(t) ?? (t.path.includes('.int.test.') ? GUESS_MS.integration : GUESS_MS.unit);
      for (const file of order.filter((t) => apart.has(t)))
        order = this.startAfter(
          order.filter((t) => t !== file),
          file,
          firstHeavy,
          guess,
        );
    }
    return [...order, ...later];
  }

  /**
   * `order` with `file` where it is expected to start once `heavy` has ended: jest hands each
   * next file to the first worker that is free, so the workers are played out on the expected
   * durations. At the end when the files before it are not expected to last that long.
   */
  startAfter(order, file, heavy, guess) {
    const freeAt = Array(this.workers).fill(0);
    let heavyEnds = Infinity;
    for (const [index, test] of order.entries()) {
      const worker = freeAt.indexOf(Math.min(...freeAt));
      if (freeAt[worker] >= heavyEnds)
        return [...order.slice(0, index), file, ...order.slice(index)];
      freeAt[worker] += guess(test);
      if (test === heavy) heavyEnds = freeAt[worker];
    }
    return [...order, file];
  }
}

module.exports = SlowFirstSequencer;
