// @slow 210 @heavy: seconds it takes in a full run; it runs last, alone (tools/testing/slow-first-sequencer.js).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaClientFrom } from '@ticketing/platform';

/** The benchmark is not part of `npm test`, but its smoke mode is, so its code cannot rot. */
describe('npm run bench -- --smoke', () => {
  it('when run in smoke mode, then every scenario runs and a JSON and markdown report are written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
    const res = spawnSync('node', [path.resolve(__dirname, '../dist/run.js'), '--smoke'], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_RESULTS_DIR: dir },
      // A few minutes beside two other test files (`[bench] <scenario> took` lines tell where they
      // go): it has 25, as a smoke run is about the code running, not its speed.
      timeout: 1_500_000,
    });
    const tail = (text: string) => text.split('\n').slice(-30).join('\n');
    if (res.status !== 0)
      throw new Error(
        `the smoke run ended with ${res.status ?? res.signal}:\n${tail(res.stdout)}\n${tail(res.stderr)}`,
      );
    expect(res.stderr).not.toContain('[bench] failed');
    const files = fs.readdirSync(dir);
    const json = files.find((f) => f.endsWith('.json'));
    expect(json).toBeDefined();
    expect(files.some((f) => f.endsWith('.md'))).toBe(true);
    const report = JSON.parse(fs.readFileSync(path.join(dir, json!), 'utf8')) as {
      rows: {
        scenario: string;
        measured?: { total: number; errors: number };
        value?: string;
        met?: boolean;
      }[];
    };
    const scenarios = report.rows.map((r) => r.scenario);
    expect(scenarios).toEqual(
      expect.arrayContaining([
        'queue: token issuance, max',
        'queue: status polling, max',
        'concert: seat map (50 seats), max',
        `ceiling: ${kafkaClientFrom(process.env)} produce → consume, open loop 50/s`,
        'idle 2 s: gateway',
        'staleness: queue pass given up → 401 on every instance',
        'payment saga: invariants over every payment of the run',
        "ceiling: the saga's skeleton, 10/s (7 Kafka hops, one durable statement each)",
        'skeleton on kafkajs 2.2.4, 10/s, round 1',
        'skeleton on @platformatic/kafka 2.x, 10/s, round 1',
        'journey: invariants over every payment of the run',
        'gateway: the same, budgets on (verified pass, bucket in Redis)',
        'tracing: cost per saga (every span exported)',
        'tracing: cost per hold in the storm (every span exported)',
        'retention: payment.inbox rows kept after the run',
        'join-baseline: this checkout, round 1',
        'join-baseline: this checkout ÷ baseline',
      ]),
    );
    // The sagas of the run ended, with money ⇔ seat ⇔ COMPLETED.
    const invariants = report.rows.find((r) => r.scenario.startsWith('payment saga: invariants'));
    expect(invariants).toMatchObject({ met: true });
    const journeys = report.rows.find((r) => r.scenario.startsWith('journey: invariants'));
    expect(journeys).toMatchObject({ met: true });
    // Every fan who joined was told a position of their own (ADR 0024).
    const repeats = report.rows.filter((r) =>
      r.scenario.startsWith('queue-scale: repeated positions'),
    );
    expect(repeats.length).toBeGreaterThan(0);
    for (const row of repeats) expect(row).toMatchObject({ met: true, value: /^0 repeated/ });
    // A load run sent requests; a single-figure row (idle CPU, staleness) has its figure.
    for (const row of report.rows)
      if (row.measured) expect(row.measured.total).toBeGreaterThan(0);
      else expect(row.value).toMatch(/\d/);
  }, 1_560_000);
});
