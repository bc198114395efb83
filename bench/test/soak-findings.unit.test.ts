import type { SeriesGroup } from '../src/rehearsal/model';
import { residentMb } from '../src/rehearsal/sampler';
import { soakFindings } from '../src/rehearsal/soak';

// Twenty minutes of one-second samples.
const t = Array.from({ length: 1200 }, (_, i) => i + 1);

describe("a soak's findings", () => {
  it('when an inbox keeps the same rows after the warm-up, then it is bounded by its retention', () => {
    const groups: SeriesGroup[] = [
      {
        title: 'Inbox rows kept per service',
        unit: 'rows',
        series: { payment: t.map(() => 3000) },
      },
    ];
    expect(soakFindings(t, groups).checks).toEqual([
      {
        name: 'Inbox rows kept per service: payment: bounded by its retention',
        held: true,
        detail: '0 per minute after the warm-up (bound 5)',
      },
    ]);
  });

  it('when an inbox grows a row a second after the warm-up, then it is not bounded', () => {
    const groups: SeriesGroup[] = [
      { title: 'Inbox rows kept per service', unit: 'rows', series: { payment: t.map((s) => s) } },
    ];
    expect(soakFindings(t, groups).checks[0]).toMatchObject({ held: false });
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
