// @slow 150 @heavy: seconds it takes in a full run; it runs last, alone (tools/testing/slow-first-sequencer.js).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRehearsalFlags } from '../src/rehearsal/flags';
import { rehearse } from '../src/rehearsal/main';
import type { RehearsalReport } from '../src/rehearsal/model';
import { writeReport } from '../src/rehearsal/report-files';

/**
 * `npm run rehearse` in small: a crowd for one date, on the machine's infrastructure with two
 * instances of every service, an instance of each killed in the rush. What is asserted is what
 * the sale proves (money, seats, fairness, answers) and that the report is written; never its
 * timings, which are the benchmark's.
 */
describe('a rehearsal of an on-sale, in small', () => {
  it('when 2,000 fans come for the 50 seats of one date and an instance of every service is killed in the rush, then every seat is sold once, money and seats agree, the line admits in join order, no request safe to repeat sees a 5xx, every fan still waiting is told SOLD_OUT, and the report is written', async () => {
    const options = parseRehearsalFlags([
      '--shape=single',
      '--instances=2',
      '--fans=2000',
      '--seats=50',
      '--opens-in=10',
      '--rush-before=8',
      '--rush-after=10',
      '--tail=30',
      '--admit=50',
      '--faults',
      '--max-seconds=240',
      '--warm-up=5', // its sales are left out of the figures below
    ]);
    const report = await rehearse(options);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'rehearsal-'));
    const files = writeReport(report, out);

    expect(report.summary.checks.filter((c) => !c.held)).toEqual([]);
    expect(report.summary.ticketsSold).toBe(50);
    expect(report.summary.fansJoined).toBeGreaterThan(1900); // a few leave before they join
    expect(report.faults.map((f) => f.name)).toEqual([
      'one instance of every service killed (SIGKILL), back after 4 s',
    ]);
    expect(report.summary.checks.map((c) => c.name)).toContain(
      'every fault injected and recovered',
    );
    const written = JSON.parse(fs.readFileSync(files.json, 'utf8')) as RehearsalReport;
    expect(written.summary.checks).toEqual(report.summary.checks);
    expect(written.model.map((m) => m.component)).toEqual(
      expect.arrayContaining(['gateway', 'queue', 'payment', 'postgres', 'kafka', 'redis']),
    );
    const html = fs.readFileSync(files.html, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    for (const group of report.timeline.groups) expect(html).toContain(group.title);
  }, 600_000);
});
