import type { SeriesGroup } from '../src/rehearsal/model';
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
});
