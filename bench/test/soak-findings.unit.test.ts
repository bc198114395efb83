import type { SeriesGroup } from '../src/rehearsal/model';
import { heapUsedIn, residentMb } from '../src/rehearsal/process-readings';
import { soakFindings } from '../src/rehearsal/soak';

// Twenty minutes of one-second samples.
const t = Array.from({ length: 1200 }, (_, i) => i + 1);

describe("a soak's findings", () => {
  it("when an inbox's oldest row stays within its retention after the warm-up, then it is bounded", () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Oldest inbox row per service',
        unit: 'seconds',
        series: { payment: t.map((s) => (s < 300 ? s : 120 + (s % 10))) },
      },
    ];
    expect(soakFindings(t, groups, { minutes: 2, intervalMs: 10_000 }).checks).toEqual([
      {
        name: 'Inbox of payment: bounded by its retention',
        held: true,
        detail: 'oldest row 129 s old at most after the warm-up (retention 2 min, bound 170 s)',
      },
    ]);
  });

  it('when an inbox keeps its rows past the retention, then it is not bounded', () => {
    const groups: SeriesGroup[] = [
      { title: 'Oldest inbox row per service', unit: 'seconds', series: { payment: [...t] } },
    ];
    expect(soakFindings(t, groups, { minutes: 2, intervalMs: 10_000 }).checks[0]).toMatchObject({
      held: false,
    });
  });

  it('when an inbox holds more rows as messages come faster, then its row count is not a check', () => {
    const groups: SeriesGroup[] = [
      { title: 'Inbox rows kept per service', unit: 'rows', series: { payment: [...t] } },
    ];
    const findings = soakFindings(t, groups);
    expect(findings.checks).toEqual([]);
    expect(findings.slopes['Inbox rows kept per service: payment (rows)']).toBeCloseTo(60);
  });

  it('when waiting outbox rows grow a row a second after the warm-up, then they are not bounded', () => {
    const groups: SeriesGroup[] = [
      { title: 'Outbox rows waiting per service', unit: 'rows', series: { wallet: [...t] } },
    ];
    expect(soakFindings(t, groups).checks[0]).toMatchObject({
      name: 'Outbox rows waiting per service: wallet: bounded by its retention',
      held: false,
    });
  });

  it('when a process ends 20 % above its memory at minute 5, then its RSS check fails', () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Memory of every process',
        unit: 'MB',
        series: { 'queue-1': t.map((s) => (s < 900 ? 200 : 240)) },
      },
    ];
    expect(soakFindings(t, groups).checks).toEqual([
      {
        name: 'queue-1: RSS within +10 % of its value at minute 5',
        held: false,
        detail: '200 MB then, 240 MB at the end',
      },
    ]);
  });

  it('when a process is sampled once just after a garbage collection at minute 5, then that low is not its value there', () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Memory of every process',
        unit: 'MB',
        series: { 'reservation-1': t.map((s) => (s === 300 ? 180 : 245)) },
      },
    ];
    expect(soakFindings(t, groups).checks).toEqual([
      {
        name: 'reservation-1: RSS within +10 % of its value at minute 5',
        held: true,
        detail: '245 MB then, 245 MB at the end',
      },
    ]);
  });
});

describe("a soak's live heap", () => {
  // A sawtooth: collections bring the heap back to its live size every two minutes.
  const sawtooth = (live: (s: number) => number) => t.map((s) => live(s) + (s % 120) / 2);

  it('when the heap comes back to the same low after every collection, then its live heap held', () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Heap in use of every Node process',
        unit: 'MB',
        series: { 'wallet-1': sawtooth(() => 45) },
      },
    ];
    expect(soakFindings(t, groups).checks).toEqual([
      {
        name: 'wallet-1: live heap within +10 % of its value at minutes 5–10',
        held: true,
        detail: 'lowest 45.0 MB then, 45.0 MB in the last 5 minutes',
      },
    ]);
  });

  it('when the low after each collection rises, then its live heap grew', () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Heap in use of every Node process',
        unit: 'MB',
        series: { 'gateway-1': sawtooth((s) => 40 + s / 60) },
      },
    ];
    expect(soakFindings(t, groups).checks[0]).toMatchObject({ held: false });
  });
});

describe("a component's resident memory", () => {
  const status = (anon: number, file: number, shmem: number) =>
    `VmRSS:\t${anon + file + shmem} kB\nRssAnon:\t${anon} kB\nRssFile:\t${file} kB\nRssShmem:\t${shmem} kB\n`;

  it('when three backends each map the same shared buffers, then the buffers are counted once', () => {
    const statuses: Record<number, string> = {
      1: status(10_240, 5120, 102_400),
      2: status(2048, 5120, 51_200),
      3: status(2048, 5120, 102_400),
    };
    expect(residentMb([1, 2, 3], (pid) => statuses[pid])).toBe((14_336 + 15_360 + 102_400) / 1024);
  });

  it('when a process is gone, then it adds nothing', () => {
    expect(residentMb([1, 2], (pid) => (pid === 1 ? status(1024, 1024, 0) : undefined))).toBe(2);
  });
});

describe("a Node process's heap in use", () => {
  it('when its metrics carry labels, then the heap in use is read in MB', () => {
    const exposition = [
      '# HELP nodejs_heap_size_total_bytes Process heap size from Node.js in bytes.',
      'nodejs_heap_size_total_bytes{service="wallet"} 49192960',
      'nodejs_heap_size_used_bytes{service="wallet"} 41615920',
    ].join('\n');
    expect(heapUsedIn(exposition)).toBe(41.6);
  });

  it('when the metric is missing, then nothing is read', () => {
    expect(heapUsedIn('process_resident_memory_bytes 172609536')).toBeUndefined();
  });
});
